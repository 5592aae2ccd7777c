// Command goproof checks Proofline receipts and C2SP tlog-proof files with the Go
// reference packages golang.org/x/mod/sumdb/note and sumdb/tlog only, as an independent
// implementation for the interop tests.
//
//	goproof -vkey VKEY -receipt FILE      verify a signed note (e.g. a receipt); print its text
//	goproof -vkey VKEY -tlog-proof FILE   verify a tlog-proof@v1 whose extra line is the entry
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
	"strconv"
	"strings"

	"golang.org/x/mod/sumdb/note"
	"golang.org/x/mod/sumdb/tlog"
)

func main() {
	vkey := flag.String("vkey", "", "log verifier key")
	receipt := flag.String("receipt", "", "signed note file to verify")
	proof := flag.String("tlog-proof", "", "tlog-proof file to verify")
	flag.Parse()
	if *vkey == "" || (*receipt == "") == (*proof == "") {
		fmt.Fprintln(os.Stderr, "usage: goproof -vkey VKEY (-receipt FILE | -tlog-proof FILE)")
		os.Exit(2)
	}
	verifier, err := note.NewVerifier(*vkey)
	if err != nil {
		fmt.Fprintln(os.Stderr, "vkey:", err)
		os.Exit(2)
	}
	if *receipt != "" {
		err = checkNote(*receipt, verifier)
	} else {
		err = checkTlogProof(*proof, verifier)
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
