// Command c2sp-verify is an independent C2SP tlog-tiles client used by the
// Proofline test suite to verify a running log end to end.
//
// All cryptography and Merkle tree math comes from golang.org/x/mod/sumdb/note,
// golang.org/x/mod/sumdb/tlog and the Go standard library; nothing is shared
// with the Proofline implementation under test.
//
// Usage:
//
//	c2sp-verify -url BASE -vkey VERIFIERKEY [-origin ORIGIN]
//	    [-old-checkpoint FILE ...] [-save-checkpoint FILE] [-check-index N ...]
//
// See README.md for details. Exit status: 0 success, 1 verification
// failure, 2 usage error.
package main

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/base64"
	"errors"
	"flag"
	"fmt"
	"io"
	"net/url"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"golang.org/x/mod/sumdb/note"
	"golang.org/x/mod/sumdb/tlog"
)

func main() {
	os.Exit(run(os.Args[1:], os.Stdout, os.Stderr))
}

// failure is a verification failure (exit status 1).
type failure struct{ msg string }

func (f *failure) Error() string { return f.msg }

func failf(format string, args ...interface{}) error {
	return &failure{fmt.Sprintf(format, args...)}
}

// usageError is a command-line usage error (exit status 2).
type usageError struct{ msg string }

func (u *usageError) Error() string { return u.msg }

// indexList collects -check-index values; the flag may be repeated and each
// value may be a comma-separated list.
type indexList []int64

func (l *indexList) String() string {
	s := make([]string, len(*l))
	for i, v := range *l {
		s[i] = strconv.FormatInt(v, 10)
	}
	return strings.Join(s, ",")
}

func (l *indexList) Set(v string) error {
	for _, f := range strings.Split(v, ",") {
		f = strings.TrimSpace(f)
		n, err := strconv.ParseInt(f, 10, 64)
		if err != nil || n < 0 {
			return fmt.Errorf("invalid index %q (want a non-negative decimal integer)", f)
		}
		*l = append(*l, n)
	}
	return nil
}

type config struct {
	base           string
	verifier       note.Verifier
	origin         string // expected origin (defaults to the key name)
	oldCheckpoints []string
	saveCheckpoint string
	checkIndexes   []int64
	hashTilesOnly  bool
	workers        int
	timeout        time.Duration
}

func parseArgs(args []string, stderr io.Writer) (*config, error) {
	fs := flag.NewFlagSet("c2sp-verify", flag.ContinueOnError)
	fs.SetOutput(stderr)
	var (
		base      = fs.String("url", "", "log prefix URL, e.g. http://127.0.0.1:8080/logs/default/ (required)")
		vkey      = fs.String("vkey", "", "note verifier key of the log, name+hash+key (required)")
		origin    = fs.String("origin", "", "expected checkpoint origin (default: the verifier key name)")
		saveCP    = fs.String("save-checkpoint", "", "write the fetched checkpoint bytes to this file after all checks pass")
		workers   = fs.Int("workers", 8, "number of parallel HTTP fetches")
		timeout   = fs.Duration("timeout", 60*time.Second, "timeout of each HTTP request")
		tilesOnly = fs.Bool("hash-tiles-only", false, "never fetch entry bundles: take the leaf hashes from the level-0 hash tiles (a private log)")
		indexes   indexList
		oldCPs    fileList
	)
	fs.Var(&oldCPs, "old-checkpoint", "file with an earlier checkpoint to check consistency against (repeatable)")
	fs.Var(&indexes, "check-index", "additional entry index to prove inclusion of (repeatable, or comma-separated)")
	fs.Usage = func() {
		fmt.Fprintf(stderr, "usage: c2sp-verify -url BASE -vkey VERIFIERKEY [-origin ORIGIN] [-old-checkpoint FILE ...] [-save-checkpoint FILE] [-check-index N ...] [-hash-tiles-only]\n")
		fs.PrintDefaults()
	}
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return nil, &usageError{"help requested"}
		}
		return nil, &usageError{err.Error()}
	}
	if fs.NArg() > 0 {
		fs.Usage()
		return nil, &usageError{fmt.Sprintf("unexpected arguments: %q", fs.Args())}
	}
	if *base == "" || *vkey == "" {
		fs.Usage()
		return nil, &usageError{"-url and -vkey are required"}
	}
	u, err := url.Parse(*base)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return nil, &usageError{fmt.Sprintf("-url %q: want an absolute http(s) URL", *base)}
	}
	if u.RawQuery != "" || u.Fragment != "" {
		return nil, &usageError{fmt.Sprintf("-url %q: must not have a query or fragment", *base)}
	}
	b := *base
	if !strings.HasSuffix(b, "/") {
		b += "/"
	}
	v, err := note.NewVerifier(*vkey)
	if err != nil {
		return nil, &usageError{fmt.Sprintf("-vkey: %v", err)}
	}
	if *workers < 1 {
		return nil, &usageError{"-workers must be at least 1"}
	}
	if *timeout <= 0 {
		return nil, &usageError{"-timeout must be positive"}
	}
	want := *origin
	if want == "" {
		want = v.Name()
	}
	return &config{
		base:           b,
		verifier:       v,
		origin:         want,
		oldCheckpoints: oldCPs,
		saveCheckpoint: *saveCP,
		checkIndexes:   indexes,
		hashTilesOnly:  *tilesOnly,
		workers:        *workers,
		timeout:        *timeout,
	}, nil
}

func run(args []string, stdout, stderr io.Writer) int {
	cfg, err := parseArgs(args, stderr)
	if err != nil {
		fmt.Fprintf(stderr, "c2sp-verify: usage error: %v\n", err)
		return 2
	}
	if err := verify(context.Background(), cfg, stdout); err != nil {
		fmt.Fprintf(stdout, "FAIL %v\n", err)
		fmt.Fprintf(stderr, "c2sp-verify: FAIL: %v\n", err)
		return 1
	}
	return 0
}

// emptyRoot is the RFC 6962 / C2SP root hash of the empty tree, SHA-256("").
// (tlog.TreeHash returns all zeros for n == 0, so size 0 is handled here.)
var emptyRoot = tlog.Hash(sha256.Sum256(nil))

func b64(h tlog.Hash) string { return base64.StdEncoding.EncodeToString(h[:]) }

func verify(ctx context.Context, cfg *config, out io.Writer) error {
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	f := newFetcher(cfg.base, cfg.workers, cfg.timeout)
	pass := func(format string, args ...interface{}) {
		fmt.Fprintf(out, "PASS "+format+"\n", args...)
	}

	// ---- 1. Checkpoint.
	raw, err := f.get(ctx, "checkpoint", maxCheckpointSize)
	if err != nil {
		return failf("checkpoint: %v", err)
	}
	cp, err := openCheckpoint(raw, cfg.verifier, cfg.origin)
	if err != nil {
		return failf("checkpoint %s: %v", f.url("checkpoint"), err)
	}
	pass("checkpoint: signature by %s verified; origin %q; size %d; root %s; %d extension line(s)",
		keyID(cfg.verifier), cp.origin, cp.size, b64(cp.root), len(cp.ext))
	size, root := cp.size, cp.root

	// ---- 2. Download every entry bundle (unless -hash-tiles-only) and every hash tile.
	hashTiles := allHashTiles(size)
	tileData, err := f.fetchAll(ctx, hashTiles, f.fetchHashTile)
	if err != nil {
		return failf("hash tiles: %v", err)
	}
	pass("tiles: downloaded %d hash tile(s) on %d level(s)", len(hashTiles), levels(size))
	var leaves []tlog.Hash
	if cfg.hashTilesOnly {
		// Level-0 tiles come first, in index order: their hashes are the leaf hashes.
		for i, t := range hashTiles {
			if t.L != 0 {
				break
			}
			for k := 0; k < t.W; k++ {
				var h tlog.Hash
				copy(h[:], tileData[i][k*tlog.HashSize:(k+1)*tlog.HashSize])
				leaves = append(leaves, h)
			}
		}
		pass("entries: not fetched (-hash-tiles-only); %d leaf hashes taken from the level-0 tiles", len(leaves))
	} else {
		bundles := tilesAtLevel(-1, size)
		entryData, err := f.fetchAll(ctx, bundles, f.fetchBundle)
		if err != nil {
			return failf("entry bundles: %v", err)
		}
		count := 0
		for i, data := range entryData {
			es, err := parseBundle(data, bundles[i].W)
			if err != nil {
				return failf("entry bundle %s: %v", f.url(c2spPath(bundles[i])), err)
			}
			for _, e := range es {
				leaves = append(leaves, tlog.RecordHash(e))
			}
			count += len(es)
		}
		pass("entries: downloaded %d entry bundle(s) with %d entries", len(bundles), count)
	}
	if int64(len(leaves)) != size {
		return failf("entries: got %d leaf hashes, checkpoint size is %d", len(leaves), size)
	}

	// ---- 3. Recompute the tree from the leaf hashes (of the entries, or of the level-0 tiles).
	mem := &memHashReader{}
	for i, leaf := range leaves {
		n := int64(i)
		if want := tlog.StoredHashIndex(0, n); int64(len(mem.hashes)) != want {
			return failf("internal error: stored hash count %d, want %d", len(mem.hashes), want)
		}
		hs, err := tlog.StoredHashesForRecordHash(n, leaf, mem)
		if err != nil {
			return failf("internal error: StoredHashes(%d): %v", n, err)
		}
		mem.hashes = append(mem.hashes, hs...)
	}
	for i, t := range hashTiles {
		want, err := tlog.ReadTileData(t, mem)
		if err != nil {
			return failf("internal error: ReadTileData(%s): %v", c2spPath(t), err)
		}
		if !bytes.Equal(tileData[i], want) {
			return tileMismatch(f, t, tileData[i], want)
		}
	}
	pass("tiles: all %d hash tile(s) equal the tiles recomputed from the leaf hashes, byte for byte", len(hashTiles))
	var local tlog.Hash
	if size == 0 {
		local = emptyRoot
	} else if local, err = tlog.TreeHash(size, mem); err != nil {
		return failf("internal error: TreeHash(%d): %v", size, err)
	}
	if local != root {
		return failf("root: tree hash recomputed from the %d leaf hashes is %s, checkpoint root is %s", size, b64(local), b64(root))
	}
	pass("root: tree hash recomputed from the leaf hashes equals the checkpoint root")

	// ---- 4. Inclusion proofs via tiles fetched over HTTP (tlog.TileHashReader).
	tree := tlog.Tree{N: size, Hash: root}
	var thr tlog.HashReader
	if size > 0 {
		thr = tlog.TileHashReader(tree, &httpTileReader{ctx: ctx, f: f})
		idx := []int64{0, size / 2, size - 1}
		for _, n := range cfg.checkIndexes {
			if n >= size {
				return failf("inclusion: -check-index %d is out of range for tree size %d", n, size)
			}
			idx = append(idx, n)
		}
		seen := map[int64]bool{}
		for _, n := range idx {
			if seen[n] {
				continue
			}
			seen[n] = true
			leaf := leaves[n]
			proof, err := proveInclusion(thr, tree, n, leaf)
			if err != nil {
				return failf("inclusion of entry %d (leaf hash %s): %v", n, b64(leaf), err)
			}
			pass("inclusion: entry %d (leaf hash %s) is in the tree of size %d (proof of %d hashes)", n, b64(leaf), size, len(proof))
		}
	} else {
		if len(cfg.checkIndexes) > 0 {
			return failf("inclusion: -check-index given but the log is empty")
		}
		pass("inclusion: skipped, the log is empty")
	}

	// ---- 5. Consistency with an older checkpoint.
	for _, oldFile := range cfg.oldCheckpoints {
		oldRaw, err := os.ReadFile(oldFile)
		if err != nil {
			return failf("old checkpoint: %v", err)
		}
		old, err := openCheckpoint(oldRaw, cfg.verifier, cfg.origin)
		if err != nil {
			return failf("old checkpoint %s: %v", oldFile, err)
		}
		switch {
		case old.size > size:
			return failf("consistency: old checkpoint %s has size %d, larger than the current size %d (log rolled back?)",
				oldFile, old.size, size)
		case old.size == 0:
			if old.root != emptyRoot {
				return failf("consistency: old checkpoint %s has size 0 but root %s, want the empty-tree hash %s",
					oldFile, b64(old.root), b64(emptyRoot))
			}
			pass("consistency: old checkpoint %s has size 0; nothing to prove", oldFile)
		default:
			proof, err := proveConsistency(thr, tree, tlog.Tree{N: old.size, Hash: old.root})
			if err != nil {
				return failf("consistency: old checkpoint %s (size %d, root %s) vs current tree (size %d, root %s): %v",
					oldFile, old.size, b64(old.root), size, b64(root), err)
			}
			pass("consistency: old checkpoint (size %d, root %s) -> current (size %d): proof of %d hashes verified",
				old.size, b64(old.root), size, len(proof))
			// Cross-check against the local recomputation as well.
			oldLocal, err := tlog.TreeHash(old.size, mem)
			if err != nil {
				return failf("internal error: TreeHash(%d): %v", old.size, err)
			}
			if oldLocal != old.root {
				return failf("consistency: tree hash of the first %d downloaded leaf hashes is %s, old checkpoint root is %s",
					old.size, b64(oldLocal), b64(old.root))
			}
			pass("consistency: tree hash of the first %d downloaded leaf hashes equals the old checkpoint root", old.size)
		}
	}

	fmt.Fprintf(out, "INFO http: %d request(s), %d gzip-encoded response(s), %d partial->full fallback(s)\n",
		f.requests.Load(), f.gzipped.Load(), f.fallbacks.Load())

	// ---- 6. Save the checkpoint exactly as fetched.
	if cfg.saveCheckpoint != "" {
		if err := writeFileAtomic(cfg.saveCheckpoint, raw); err != nil {
			return failf("save checkpoint: %v", err)
		}
		pass("saved checkpoint (%d bytes) to %s", len(raw), cfg.saveCheckpoint)
	}

	fmt.Fprintf(out, "OK size=%d root=%s\n", size, b64(root))
	return nil
}

// proveInclusion builds the inclusion proof of entry n from the hash reader
// (tiles fetched over HTTP) and checks it against the trusted tree.
//
// CheckRecord is what makes this sound: tlog.TileHashReader in x/mod (v0.7.0
// and later versions seen) only authenticates non-root-path tiles against
// their parents when the tree's subtree list maps to as many tiles as it has
// entries, so hashes it returns are not trusted on their own.
func proveInclusion(thr tlog.HashReader, tree tlog.Tree, n int64, leaf tlog.Hash) (tlog.RecordProof, error) {
	proof, err := tlog.ProveRecord(tree.N, n, thr)
	if err != nil {
		return nil, fmt.Errorf("building proof from HTTP tiles: %v", err)
	}
	if err := tlog.CheckRecord(proof, tree.N, tree.Hash, n, leaf); err != nil {
		return nil, fmt.Errorf("checking proof of %d hashes against the checkpoint root: %v", len(proof), err)
	}
	return proof, nil
}

// proveConsistency builds the consistency proof from old (1 <= old.N <=
// tree.N) to tree with the hash reader and checks it against both roots.
func proveConsistency(thr tlog.HashReader, tree, old tlog.Tree) (tlog.TreeProof, error) {
	proof, err := tlog.ProveTree(tree.N, old.N, thr)
	if err != nil {
		return nil, fmt.Errorf("building proof from HTTP tiles: %v", err)
	}
	if err := tlog.CheckTree(proof, tree.N, tree.Hash, old.N, old.Hash); err != nil {
		return nil, fmt.Errorf("old tree is not a prefix of the current tree: proof of %d hashes does not verify: %v", len(proof), err)
	}
	return proof, nil
}

// tileMismatch describes the first differing hash of a downloaded tile.
func tileMismatch(f *fetcher, t tlog.Tile, got, want []byte) error {
	u := f.url(c2spPath(t))
	if len(got) != len(want) {
		return failf("tile %s: %d bytes, recomputed tile has %d bytes", u, len(got), len(want))
	}
	k := 0
	for k*tlog.HashSize < len(got) && bytes.Equal(got[k*tlog.HashSize:(k+1)*tlog.HashSize], want[k*tlog.HashSize:(k+1)*tlog.HashSize]) {
		k++
	}
	g := got[k*tlog.HashSize : (k+1)*tlog.HashSize]
	w := want[k*tlog.HashSize : (k+1)*tlog.HashSize]
	node := t.N*tileWidth + int64(k)
	var what string
	if t.L == 0 {
		what = fmt.Sprintf("leaf hash of entry %d", node)
	} else {
		span := int64(1) << uint(tileHeight*t.L)
		what = fmt.Sprintf("root of full level-%d tile %d = Merkle level %d node %d, covering entries %d..%d",
			t.L-1, node, tileHeight*t.L, node, node*span, (node+1)*span-1)
	}
	src := "the entry bundles"
	if t.L == 0 {
		src = "entry bundle " + f.url(c2spPath(tlog.Tile{H: tileHeight, L: -1, N: t.N, W: t.W}))
	}
	return failf("tile %s: hash #%d (%s) is %s as served, but %s recomputed from %s: the tile or the entry data is wrong",
		u, k, what, base64.StdEncoding.EncodeToString(g), base64.StdEncoding.EncodeToString(w), src)
}

func levels(size int64) int {
	l := 0
	for size>>(tileHeight*uint(l)) > 0 {
		l++
	}
	return l
}

func keyID(v note.Verifier) string {
	return fmt.Sprintf("%s+%08x", v.Name(), v.KeyHash())
}

// memHashReader serves stored hashes recomputed locally.
type memHashReader struct {
	hashes []tlog.Hash
}

func (m *memHashReader) ReadHashes(indexes []int64) ([]tlog.Hash, error) {
	out := make([]tlog.Hash, len(indexes))
	for i, x := range indexes {
		if x < 0 || x >= int64(len(m.hashes)) {
			return nil, fmt.Errorf("stored hash index %d out of range (have %d)", x, len(m.hashes))
		}
		out[i] = m.hashes[x]
	}
	return out, nil
}

// httpTileReader is the tlog.TileReader used with tlog.TileHashReader: it
// fetches C2SP hash tiles over HTTP every time and caches nothing.
type httpTileReader struct {
	ctx context.Context
	f   *fetcher
}

func (r *httpTileReader) Height() int { return tileHeight }

func (r *httpTileReader) ReadTiles(tiles []tlog.Tile) ([][]byte, error) {
	for _, t := range tiles {
		if t.H != tileHeight || t.L < 0 {
			return nil, fmt.Errorf("unexpected tile request %+v", t)
		}
	}
	return r.f.fetchAll(r.ctx, tiles, r.f.fetchHashTile)
}

func (r *httpTileReader) SaveTiles(tiles []tlog.Tile, data [][]byte) {}

func writeFileAtomic(name string, data []byte) error {
	tmp, err := os.CreateTemp(filepath.Dir(name), "."+filepath.Base(name)+".tmp*")
	if err != nil {
		return err
	}
	defer os.Remove(tmp.Name())
	if _, err := tmp.Write(data); err != nil {
		tmp.Close()
		return err
	}
	if err := tmp.Chmod(0o644); err != nil {
		tmp.Close()
		return err
	}
	if err := tmp.Close(); err != nil {
		return err
	}
	return os.Rename(tmp.Name(), name)
}

// fileList is a repeatable string flag.
type fileList []string

func (l *fileList) String() string { return strings.Join(*l, ",") }

func (l *fileList) Set(v string) error {
	if v == "" {
		return errors.New("empty file name")
	}
	*l = append(*l, v)
	return nil
}
