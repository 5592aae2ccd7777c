// Command gocosig checks C2SP tlog-cosignature (cosignature/v1, Ed25519) witness
// cosignatures independently of Proofline's TypeScript code. The note framing comes from the
// Go reference package golang.org/x/mod/sumdb/note (which has no cosignature verifier); the
// cosignature itself is written here from the text of c2sp.org/tlog-cosignature with the
// standard library only (crypto/ed25519, crypto/sha256).
//
//	gocosig -checkpoint FILE -log-vkey VKEY -witness VKEY... -quorum K
//	    open a cosigned checkpoint: the log's signature must verify, every signature line of
//	    a configured witness must verify, and at least K distinct witnesses must have
//	    cosigned; prints "OK cosigned=N <name>@<timestamp>..."
//	gocosig -vectors FILE
//	    check the test vectors: key IDs, verifier keys, signed messages and the exact
//	    cosignature bytes (Ed25519 is deterministic), and the spec's examples
//
// Exit status 0 when the check passes, 1 when it fails, 2 on usage errors.
package main

import (
	"bytes"
	"crypto/ed25519"
	"crypto/sha256"
	"encoding/base64"
	"encoding/binary"
	"encoding/hex"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"os"
	"strconv"
	"strings"
	"unicode"
	"unicode/utf8"

	"golang.org/x/mod/sumdb/note"
)

// algCosignatureV1 is the signature type byte of Ed25519 cosignatures (c2sp.org/signed-note).
const algCosignatureV1 = 0x04

type multiFlag []string

func (m *multiFlag) String() string     { return strings.Join(*m, ",") }
func (m *multiFlag) Set(v string) error { *m = append(*m, v); return nil }

func main() {
	checkpoint := flag.String("checkpoint", "", "cosigned checkpoint file")
	logVkey := flag.String("log-vkey", "", "log verifier key (Ed25519, type 0x01)")
	quorum := flag.Int("quorum", 1, "number of distinct witnesses that must have cosigned")
	vectors := flag.String("vectors", "", "test vector file to check")
	var witnesses multiFlag
	flag.Var(&witnesses, "witness", "witness verifier key (type 0x04), repeatable")
	flag.Parse()
	var err error
	switch {
	case *vectors != "" && *checkpoint == "":
		err = checkVectors(*vectors)
	case *checkpoint != "" && *logVkey != "" && len(witnesses) > 0:
		err = checkCheckpoint(*checkpoint, *logVkey, witnesses, *quorum)
	default:
		fmt.Fprintln(os.Stderr, "usage: gocosig -checkpoint FILE -log-vkey VKEY -witness VKEY... -quorum K | -vectors FILE")
		os.Exit(2)
	}
	if err != nil {
		fmt.Println("FAIL", err)
		os.Exit(1)
	}
}

// cosigVerifier is a note.Verifier of cosignature/v1 signatures by one witness key.
type cosigVerifier struct {
	name string
	hash uint32
	key  ed25519.PublicKey
	// seen records the timestamps of the signatures that verified.
	seen *[]uint64
}

func (v *cosigVerifier) Name() string    { return v.name }
func (v *cosigVerifier) KeyHash() uint32 { return v.hash }

// Verify checks a timestamped_signature (u64 big-endian timestamp || 64-byte Ed25519
// signature) over "cosignature/v1\ntime <timestamp>\n" || note text.
func (v *cosigVerifier) Verify(msg, sig []byte) bool {
	if len(sig) != 8+ed25519.SignatureSize {
		return false
	}
	t := binary.BigEndian.Uint64(sig[:8])
	if t > 1<<63-1 {
		return false
	}
	if !ed25519.Verify(v.key, signedMessage(t, msg), sig[8:]) {
		return false
	}
	*v.seen = append(*v.seen, t)
	return true
}

// signedMessage is c2sp.org/tlog-cosignature §Ed25519 signed message.
func signedMessage(t uint64, text []byte) []byte {
	var b bytes.Buffer
	b.WriteString("cosignature/v1\n")
	b.WriteString("time " + strconv.FormatUint(t, 10) + "\n")
	b.Write(text)
	return b.Bytes()
}

// keyID is SHA-256(name || 0x0A || 0x04 || public key)[:4] as a big-endian uint32.
func keyID(name string, pub []byte) uint32 {
	h := sha256.New()
	h.Write([]byte(name))
	h.Write([]byte{'\n', algCosignatureV1})
	h.Write(pub)
	return binary.BigEndian.Uint32(h.Sum(nil)[:4])
}

func validName(name string) bool {
	return name != "" && utf8.ValidString(name) && strings.IndexFunc(name, unicode.IsSpace) < 0 && !strings.Contains(name, "+")
}

// parseWitnessKey parses "<name>+<8 hex key id>+<base64(0x04 || 32-byte key)>".
func parseWitnessKey(vkey string) (*cosigVerifier, error) {
	name, rest, ok1 := strings.Cut(vkey, "+")
	hash16, key64, ok2 := strings.Cut(rest, "+")
	if !ok1 || !ok2 || !validName(name) || len(hash16) != 8 {
		return nil, fmt.Errorf("malformed witness key %q", vkey)
	}
	hash, err := strconv.ParseUint(hash16, 16, 32)
	if err != nil {
		return nil, fmt.Errorf("malformed key id in %q", vkey)
	}
	key, err := base64.StdEncoding.Strict().DecodeString(key64)
	if err != nil || len(key) != 1+ed25519.PublicKeySize || key[0] != algCosignatureV1 {
		return nil, fmt.Errorf("witness key %q is not type 0x04 with a 32-byte key", vkey)
	}
	if keyID(name, key[1:]) != uint32(hash) {
		return nil, fmt.Errorf("witness key %q: key id does not match", vkey)
	}
	return &cosigVerifier{name: name, hash: uint32(hash), key: ed25519.PublicKey(key[1:]), seen: new([]uint64)}, nil
}

func checkCheckpoint(file, logVkey string, witnessKeys []string, quorum int) error {
	msg, err := os.ReadFile(file)
	if err != nil {
		return err
	}
	logVerifier, err := note.NewVerifier(logVkey)
	if err != nil {
		return fmt.Errorf("log key: %v", err)
	}
	verifiers := []note.Verifier{logVerifier}
	var witnesses []*cosigVerifier
	for _, k := range witnessKeys {
		w, err := parseWitnessKey(k)
		if err != nil {
			return err
		}
		witnesses = append(witnesses, w)
		verifiers = append(verifiers, w)
	}
	n, err := note.Open(msg, note.VerifierList(verifiers...))
	if err != nil {
		return err
	}
	logSigned := false
	for _, s := range n.Sigs {
		if s.Name == logVerifier.Name() && s.Hash == logVerifier.KeyHash() {
			logSigned = true
		}
	}
	if !logSigned {
		return errors.New("no valid signature by the log key")
	}
	lines := strings.SplitN(n.Text, "\n", 4)
	if len(lines) < 4 || lines[0] != logVerifier.Name() {
		return fmt.Errorf("the checkpoint origin is not %q", logVerifier.Name())
	}
	var cosigned []string
	for _, w := range witnesses {
		for _, t := range *w.seen {
			cosigned = append(cosigned, fmt.Sprintf("%s@%d", w.name, t))
		}
	}
	distinct := 0
	for _, w := range witnesses {
		if len(*w.seen) > 0 {
			distinct++
		}
	}
	if distinct < quorum {
		return fmt.Errorf("cosigned by %d witnesses, want %d: %v", distinct, quorum, cosigned)
	}
	fmt.Printf("OK origin=%s size=%s root=%s cosigned=%d %s\n", lines[0], lines[1], lines[2], distinct, strings.Join(cosigned, " "))
	return nil
}

type vectorFile struct {
	SpecExamples struct {
		SignedMessage struct {
			Timestamp  uint64 `json:"timestamp"`
			Checkpoint string `json:"checkpoint"`
			Message    string `json:"message"`
		} `json:"signedMessage"`
		CosignatureLine struct {
			Line      string `json:"line"`
			KeyID     string `json:"keyId"`
			Timestamp uint64 `json:"timestamp"`
		} `json:"cosignatureLine"`
	} `json:"specExamples"`
	KeyIDs []struct {
		Vkey string `json:"vkey"`
	} `json:"keyIds"`
	Vectors []struct {
		Name        string `json:"name"`
		Seed        string `json:"seed"`
		Vkey        string `json:"vkey"`
		Timestamp   uint64 `json:"timestamp"`
		Checkpoint  string `json:"checkpoint"`
		Message     string `json:"message"`
		Cosignature string `json:"cosignature"`
	} `json:"vectors"`
}

func checkVectors(file string) error {
	data, err := os.ReadFile(file)
	if err != nil {
		return err
	}
	var v vectorFile
	if err := json.Unmarshal(data, &v); err != nil {
		return err
	}
	ex := v.SpecExamples
	if got := string(signedMessage(ex.SignedMessage.Timestamp, []byte(ex.SignedMessage.Checkpoint))); got != ex.SignedMessage.Message {
		return fmt.Errorf("spec example signed message: got %q, want %q", got, ex.SignedMessage.Message)
	}
	_, b64, ok := strings.Cut(strings.TrimPrefix(ex.CosignatureLine.Line, "— "), " ")
	sig, err := base64.StdEncoding.Strict().DecodeString(b64)
	if !ok || err != nil || len(sig) != 4+8+64 {
		return errors.New("spec example cosignature line: not 76 bytes of base64")
	}
	if fmt.Sprintf("%08x", sig[:4]) != ex.CosignatureLine.KeyID || binary.BigEndian.Uint64(sig[4:12]) != ex.CosignatureLine.Timestamp {
		return errors.New("spec example cosignature line: key id or timestamp mismatch")
	}
	for _, k := range v.KeyIDs {
		if _, err := parseWitnessKey(k.Vkey); err != nil {
			return err
		}
	}
	for i, vec := range v.Vectors {
		seed, err := hex.DecodeString(vec.Seed)
		if err != nil || len(seed) != ed25519.SeedSize {
			return fmt.Errorf("vector %d: bad seed", i)
		}
		priv := ed25519.NewKeyFromSeed(seed)
		pub := priv.Public().(ed25519.PublicKey)
		id := keyID(vec.Name, pub)
		vkey := fmt.Sprintf("%s+%08x+%s", vec.Name, id, base64.StdEncoding.EncodeToString(append([]byte{algCosignatureV1}, pub...)))
		if vkey != vec.Vkey {
			return fmt.Errorf("vector %d: vkey %s, want %s", i, vkey, vec.Vkey)
		}
		m := signedMessage(vec.Timestamp, []byte(vec.Checkpoint))
		if string(m) != vec.Message {
			return fmt.Errorf("vector %d: signed message %q, want %q", i, m, vec.Message)
		}
		raw := make([]byte, 4+8, 4+8+64)
		binary.BigEndian.PutUint32(raw, id)
		binary.BigEndian.PutUint64(raw[4:], vec.Timestamp)
		raw = append(raw, ed25519.Sign(priv, m)...)
		line := "— " + vec.Name + " " + base64.StdEncoding.EncodeToString(raw) + "\n"
		if line != vec.Cosignature {
			return fmt.Errorf("vector %d: cosignature %q, want %q", i, line, vec.Cosignature)
		}
		// And the verifier path, through the reference note parser.
		w, err := parseWitnessKey(vec.Vkey)
		if err != nil {
			return err
		}
		if _, err := note.Open([]byte(vec.Checkpoint+"\n"+vec.Cosignature), note.VerifierList(w)); err != nil {
			return fmt.Errorf("vector %d: %v", i, err)
		}
	}
	fmt.Printf("OK %d vectors, %d key ids, spec examples\n", len(v.Vectors), len(v.KeyIDs))
	return nil
}
