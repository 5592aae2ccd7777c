// Command goproof checks Proofline receipts and C2SP tlog-proof files with the Go
// reference packages golang.org/x/mod/sumdb/note and sumdb/tlog only, as an independent
// implementation for the interop tests.
//
//	goproof -vkey VKEY -receipt FILE      verify a signed note (e.g. a receipt); print its text
//	goproof -vkey VKEY -tlog-proof FILE   verify a tlog-proof@v1 whose extra line is the entry
//	goproof -vkey VKEY -batch-receipt FILE -leaf B64 -index N -proof B64,B64,...
//	                                      verify a proofline.dev/batch-receipt/v1 note and the
//	                                      inclusion of the leaf hash at index N in its batch
//
// Exit status 0 when the check passes, 1 when it fails, 2 on usage errors.
package main

import (
	"bytes"
	"encoding/base64"
	"errors"
	"flag"
	"fmt"
	"os"
	"regexp"
	"strconv"
	"strings"
	"time"

	"golang.org/x/mod/sumdb/note"
	"golang.org/x/mod/sumdb/tlog"
)

func main() {
	vkey := flag.String("vkey", "", "log verifier key")
	receipt := flag.String("receipt", "", "signed note file to verify")
	tlogProof := flag.String("tlog-proof", "", "tlog-proof file to verify")
	batchReceipt := flag.String("batch-receipt", "", "batch receipt note file to verify")
	leaf := flag.String("leaf", "", "with -batch-receipt: the entry's leaf hash, base64")
	index := flag.String("index", "", "with -batch-receipt: the entry's index in the log")
	proof := flag.String("proof", "", "with -batch-receipt: the receipt proof, comma-separated base64 hashes (empty for a batch of one)")
	flag.Parse()
	modes := 0
	for _, file := range []string{*receipt, *tlogProof, *batchReceipt} {
		if file != "" {
			modes++
		}
	}
	batchArgs := *leaf != "" || *index != "" || *proof != ""
	if *vkey == "" || modes != 1 || flag.NArg() != 0 ||
		(*batchReceipt == "" && batchArgs) ||
		(*batchReceipt != "" && (*leaf == "" || *index == "")) {
		fmt.Fprintln(os.Stderr, "usage: goproof -vkey VKEY (-receipt FILE | -tlog-proof FILE |"+
			" -batch-receipt FILE -leaf B64 -index N -proof B64,...)")
		os.Exit(2)
	}
	verifier, err := note.NewVerifier(*vkey)
	if err != nil {
		fmt.Fprintln(os.Stderr, "vkey:", err)
		os.Exit(2)
	}
	switch {
	case *receipt != "":
		err = checkNote(*receipt, verifier)
	case *tlogProof != "":
		err = checkTlogProof(*tlogProof, verifier)
	default:
		err = checkBatchReceipt(*batchReceipt, verifier, *leaf, *index, *proof)
	}
	if err != nil {
		fmt.Println("FAIL", err)
		os.Exit(1)
	}
}

func checkNote(file string, verifier note.Verifier) error {
	msg, err := os.ReadFile(file)
	if err != nil {
		return err
	}
	n, err := note.Open(msg, note.VerifierList(verifier))
	if err != nil {
		return err
	}
	fmt.Print("OK note\n", n.Text)
	return nil
}

func checkTlogProof(file string, verifier note.Verifier) error {
	data, err := os.ReadFile(file)
	if err != nil {
		return err
	}
	head, checkpoint, found := bytes.Cut(data, []byte("\n\n"))
	if !found {
		return errors.New("no blank line before the checkpoint")
	}
	lines := strings.Split(string(head), "\n")
	if len(lines) < 3 || lines[0] != "c2sp.org/tlog-proof@v1" {
		return errors.New("not a c2sp.org/tlog-proof@v1")
	}
	if !strings.HasPrefix(lines[1], "extra ") {
		return errors.New("no extra line holding the entry")
	}
	entry, err := base64.StdEncoding.Strict().DecodeString(strings.TrimPrefix(lines[1], "extra "))
	if err != nil {
		return fmt.Errorf("extra: %v", err)
	}
	if !strings.HasPrefix(lines[2], "index ") {
		return errors.New("no index line")
	}
	index, err := strconv.ParseInt(strings.TrimPrefix(lines[2], "index "), 10, 64)
	if err != nil || index < 0 {
		return fmt.Errorf("bad index %q", lines[2])
	}
	var rp tlog.RecordProof
	for _, line := range lines[3:] {
		h, err := tlog.ParseHash(line)
		if err != nil {
			return fmt.Errorf("proof hash %q: %v", line, err)
		}
		rp = append(rp, h)
	}
	n, err := note.Open(checkpoint, note.VerifierList(verifier))
	if err != nil {
		return fmt.Errorf("checkpoint: %v", err)
	}
	body := strings.Split(n.Text, "\n")
	if len(body) < 4 || body[0] != verifier.Name() {
		return fmt.Errorf("checkpoint origin %q is not %q", body[0], verifier.Name())
	}
	size, err := strconv.ParseInt(body[1], 10, 64)
	if err != nil {
		return fmt.Errorf("checkpoint size: %v", err)
	}
	root, err := tlog.ParseHash(body[2])
	if err != nil {
		return fmt.Errorf("checkpoint root: %v", err)
	}
	if err := tlog.CheckRecord(rp, size, root, index, tlog.RecordHash(entry)); err != nil {
		return fmt.Errorf("inclusion of entry %d in tree of size %d: %v", index, size, err)
	}
	fmt.Printf("OK tlog-proof index=%d size=%d\n", index, size)
	return nil
}

// The batch receipt format (packages/records/README.md, "Batch receipt").
const (
	batchHeader     = "proofline.dev/batch-receipt/v1"
	maxBatchSize    = 65536
	maxProofHashes  = 16
	maxSafeInteger  = 1<<53 - 1
	recordTimeShape = "2006-01-02T15:04:05.000Z"
)

var (
	decimalIndex = regexp.MustCompile(`^(0|[1-9][0-9]{0,15})$`)
	decimalSize  = regexp.MustCompile(`^[1-9][0-9]{0,4}$`)
	recordTime   = regexp.MustCompile(`^[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}\.[0-9]{3}Z$`)
)

// batchReceipt is the parsed text of a proofline.dev/batch-receipt/v1 note.
type batchReceipt struct {
	origin      string
	first, size int64
	root        tlog.Hash
	time        string
}

// parseIndex parses a canonical decimal (no sign, no leading zeros) up to 2^53 - 1.
func parseIndex(s string) (int64, error) {
	if !decimalIndex.MatchString(s) {
		return 0, fmt.Errorf("%q is not a decimal without leading zeros", s)
	}
	n, err := strconv.ParseInt(s, 10, 64)
	if err != nil || n > maxSafeInteger {
		return 0, fmt.Errorf("%q is beyond 2^53 - 1", s)
	}
	return n, nil
}

// parseHash decodes canonical, padded standard base64 of exactly 32 bytes.
func parseHash(s string) (tlog.Hash, error) {
	var h tlog.Hash
	data, err := base64.StdEncoding.Strict().DecodeString(s)
	if err != nil || len(data) != tlog.HashSize || base64.StdEncoding.EncodeToString(data) != s {
		return h, fmt.Errorf("%q is not the base64 of a 32-byte hash", s)
	}
	copy(h[:], data)
	return h, nil
}

// parseBatchReceipt parses a batch receipt note text strictly: exactly six
// newline-terminated lines in order, canonical decimals, 1 <= size <= 65536,
// first + size - 1 <= 2^53 - 1, a canonical base64 root and a record time string. The
// origin is checked by the caller: it must be the log key's name.
func parseBatchReceipt(text string) (*batchReceipt, error) {
	lines := strings.Split(text, "\n")
	if len(lines) != 7 || lines[6] != "" {
		return nil, errors.New("a batch receipt is exactly six newline-terminated lines")
	}
	if lines[0] != batchHeader {
		return nil, fmt.Errorf("first line %q is not %s", lines[0], batchHeader)
	}
	values := make([]string, 5)
	for i, name := range []string{"origin", "first", "size", "root", "time"} {
		if !strings.HasPrefix(lines[i+1], name+" ") {
			return nil, fmt.Errorf("line %d is not a %q line", i+2, name)
		}
		values[i] = strings.TrimPrefix(lines[i+1], name+" ")
	}
	r := &batchReceipt{origin: values[0], time: values[4]}
	var err error
	if r.first, err = parseIndex(values[1]); err != nil {
		return nil, fmt.Errorf("first: %v", err)
	}
	if !decimalSize.MatchString(values[2]) {
		return nil, fmt.Errorf("size %q is not a decimal without leading zeros", values[2])
	}
	if r.size, err = strconv.ParseInt(values[2], 10, 64); err != nil || r.size > maxBatchSize {
		return nil, fmt.Errorf("size %q is not in 1..%d", values[2], maxBatchSize)
	}
	if r.first > maxSafeInteger-(r.size-1) {
		return nil, errors.New("first + size - 1 is beyond 2^53 - 1")
	}
	if r.root, err = parseHash(values[3]); err != nil {
		return nil, fmt.Errorf("root: %v", err)
	}
	t, err := time.Parse(recordTimeShape, r.time)
	if !recordTime.MatchString(r.time) || err != nil || t.Format(recordTimeShape) != r.time ||
		t.Year() < 1970 {
		return nil, fmt.Errorf("time %q is not YYYY-MM-DDTHH:MM:SS.sssZ", r.time)
	}
	return r, nil
}

// checkBatchReceipt opens the batch receipt note in file with the log key, parses it, and
// checks that proofList (comma-separated base64 hashes) proves leafB64 at index in its
// batch: tlog.CheckRecord in the tree of size leaves with its root, at index - first.
func checkBatchReceipt(file string, verifier note.Verifier, leafB64, index, proofList string) error {
	msg, err := os.ReadFile(file)
	if err != nil {
		return err
	}
	n, err := note.Open(msg, note.VerifierList(verifier))
	if err != nil {
		return err
	}
	r, err := parseBatchReceipt(n.Text)
	if err != nil {
		return err
	}
	if r.origin != verifier.Name() {
		return fmt.Errorf("origin %q is not the log key's name %q", r.origin, verifier.Name())
	}
	leaf, err := parseHash(leafB64)
	if err != nil {
		return fmt.Errorf("-leaf: %v", err)
	}
	i, err := parseIndex(index)
	if err != nil {
		return fmt.Errorf("-index: %v", err)
	}
	if i < r.first || i-r.first >= r.size {
		return fmt.Errorf("index %d is not among the entries %d..%d", i, r.first, r.first+r.size-1)
	}
	var rp tlog.RecordProof
	if proofList != "" {
		for _, s := range strings.Split(proofList, ",") {
			h, err := parseHash(s)
			if err != nil {
				return fmt.Errorf("-proof: %v", err)
			}
			rp = append(rp, h)
		}
	}
	if len(rp) > maxProofHashes {
		return fmt.Errorf("-proof: %d hashes, more than %d", len(rp), maxProofHashes)
	}
	if err := tlog.CheckRecord(rp, r.size, r.root, i-r.first, leaf); err != nil {
		return fmt.Errorf("inclusion of leaf %d in the batch of %d: %v", i-r.first, r.size, err)
	}
	fmt.Printf("OK batch-receipt first=%d size=%d index=%d\n%s", r.first, r.size, i, n.Text)
	return nil
}
