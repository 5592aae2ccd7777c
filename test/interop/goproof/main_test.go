package main

import (
	"strings"
	"testing"
)

const validBatch = "proofline.dev/batch-receipt/v1\n" +
	"origin proofline.example/acme-prod\n" +
	"first 4096\n" +
	"size 13\n" +
	"root AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=\n" +
	"time 2023-11-14T22:13:20.000Z\n"

// TestParseBatchReceipt checks the strict parser; the origin is checked by checkBatchReceipt,
// which requires it to equal the log key's name. (`go test ./test/interop/goproof` in GOPATH
// mode, as test/lib/go.ts builds it.)
func TestParseBatchReceipt(t *testing.T) {
	r, err := parseBatchReceipt(validBatch)
	if err != nil {
		t.Fatal(err)
	}
	if r.origin != "proofline.example/acme-prod" || r.first != 4096 || r.size != 13 ||
		r.time != "2023-11-14T22:13:20.000Z" {
		t.Fatalf("parsed %+v", r)
	}
	for _, ok := range []string{
		strings.Replace(validBatch, "first 4096\nsize 13", "first 9007199254740991\nsize 1", 1),
		strings.Replace(validBatch, "first 4096\nsize 13", "first 9007199254674456\nsize 65536", 1),
		strings.Replace(validBatch, "first 4096", "first 0", 1),
	} {
		if _, err := parseBatchReceipt(ok); err != nil {
			t.Errorf("%q: %v", ok, err)
		}
	}
	for _, bad := range []string{
		"",
		validBatch[:len(validBatch)-1],
		validBatch + "\n",
		validBatch + "extra\n",
		strings.ReplaceAll(validBatch, "\n", "\r\n"),
		strings.Replace(validBatch, "batch-receipt/v1", "receipt/v1", 1),
		strings.Replace(validBatch, "first 4096", "first 04096", 1),
		strings.Replace(validBatch, "first 4096", "first -1", 1),
		strings.Replace(validBatch, "first 4096", "first +4096", 1),
		strings.Replace(validBatch, "first 4096", "first 9007199254740992", 1),
		strings.Replace(validBatch, "size 13", "size 013", 1),
		strings.Replace(validBatch, "size 13", "size 0", 1),
		strings.Replace(validBatch, "size 13", "size 65537", 1),
		strings.Replace(validBatch, "first 4096\nsize 13", "first 9007199254740990\nsize 3", 1),
		strings.Replace(validBatch, "first 4096\nsize 13", "size 13\nfirst 4096", 1),
		strings.Replace(validBatch, "AAA=", "AAB=", 1),
		strings.Replace(validBatch, "AAA=", "AA", 1),
		strings.Replace(validBatch, "root AAAA", "root AA-A", 1),
		strings.Replace(validBatch, "root ", "leaf ", 1),
		strings.Replace(validBatch, "20.000Z", "20Z", 1),
		strings.Replace(validBatch, "2023-11-14", "2023-02-30", 1),
		strings.Replace(validBatch, "2023-11-14", "1969-12-31", 1),
	} {
		if _, err := parseBatchReceipt(bad); err == nil {
			t.Errorf("accepted %q", bad)
		}
	}
}
