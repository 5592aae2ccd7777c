package main

import (
	"encoding/base64"
	"errors"
	"fmt"
	"strconv"
	"strings"

	"golang.org/x/mod/sumdb/note"
	"golang.org/x/mod/sumdb/tlog"
)

// checkpoint is a verified, parsed C2SP tlog-checkpoint.
type checkpoint struct {
	origin string
	size   int64
	root   tlog.Hash
	ext    []string
}

// openCheckpoint verifies the signed note raw with v, requires a signature by
// exactly that key, and parses the body as a C2SP tlog-checkpoint whose
// origin must equal wantOrigin.
func openCheckpoint(raw []byte, v note.Verifier, wantOrigin string) (*checkpoint, error) {
	n, err := note.Open(raw, note.VerifierList(v))
	if err != nil {
		var unv *note.UnverifiedNoteError
		if errors.As(err, &unv) {
			return nil, fmt.Errorf("no signature by %s (note has %d signature(s) by other keys)", keyID(v), len(unv.Note.UnverifiedSigs))
		}
		return nil, fmt.Errorf("signed note does not verify with %s: %v", keyID(v), err)
	}
	signed := false
	for _, s := range n.Sigs {
		if s.Name == v.Name() && s.Hash == v.KeyHash() {
			signed = true
		}
	}
	if !signed {
		return nil, fmt.Errorf("no verified signature by %s", keyID(v))
	}
	cp, err := parseCheckpointBody(n.Text)
	if err != nil {
		return nil, err
	}
	if cp.origin != wantOrigin {
		return nil, fmt.Errorf("origin is %q, want %q", cp.origin, wantOrigin)
	}
	return cp, nil
}

// parseCheckpointBody parses a C2SP tlog-checkpoint body:
//
//	<origin>\n<decimal size>\n<base64 root hash>\n[<extension line>\n]...
func parseCheckpointBody(text string) (*checkpoint, error) {
	if !strings.HasSuffix(text, "\n") {
		return nil, errors.New("checkpoint body does not end with a newline")
	}
	lines := strings.Split(strings.TrimSuffix(text, "\n"), "\n")
	if len(lines) < 3 {
		return nil, fmt.Errorf("checkpoint body has %d line(s), want at least 3 (origin, size, root)", len(lines))
	}
	cp := &checkpoint{origin: lines[0]}
	if cp.origin == "" {
		return nil, errors.New("checkpoint origin line is empty")
	}
	size, err := parseSize(lines[1])
	if err != nil {
		return nil, err
	}
	cp.size = size
	h, err := base64.StdEncoding.DecodeString(lines[2])
	if err != nil {
		return nil, fmt.Errorf("checkpoint root hash %q is not valid base64: %v", lines[2], err)
	}
	if len(h) != tlog.HashSize {
		return nil, fmt.Errorf("checkpoint root hash decodes to %d bytes, want %d", len(h), tlog.HashSize)
	}
	if base64.StdEncoding.EncodeToString(h) != lines[2] {
		return nil, fmt.Errorf("checkpoint root hash %q is not canonical base64", lines[2])
	}
	copy(cp.root[:], h)
	for i, l := range lines[3:] {
		if l == "" {
			return nil, fmt.Errorf("checkpoint extension line %d is empty", i+1)
		}
	}
	cp.ext = lines[3:]
	return cp, nil
}

func parseSize(s string) (int64, error) {
	if s == "" {
		return 0, errors.New("checkpoint size line is empty")
	}
	for _, c := range s {
		if c < '0' || c > '9' {
			return 0, fmt.Errorf("checkpoint size %q is not a decimal number", s)
		}
	}
	if len(s) > 1 && s[0] == '0' {
		return 0, fmt.Errorf("checkpoint size %q has leading zeros", s)
	}
	n, err := strconv.ParseInt(s, 10, 64)
	if err != nil {
		return 0, fmt.Errorf("checkpoint size %q out of range", s)
	}
	return n, nil
}
