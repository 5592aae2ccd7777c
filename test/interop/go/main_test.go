package main

import (
	"bytes"
	"compress/gzip"
	"context"
	"crypto/rand"
	"encoding/binary"
	"fmt"
	"io/fs"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"reflect"
	"strconv"
	"strings"
	"testing"
	"time"

	"golang.org/x/mod/sumdb/note"
	"golang.org/x/mod/sumdb/tlog"
)

const (
	goldenDir    = "../../../testdata/tessera-golden-log"
	goldenVKey   = "example.com/log/testdata+33d7b496+AeHTu4Q3hEIMHNqc6fASMsq3rKNx280NI+oO5xCFkkSx"
	goldenOrigin = "example.com/log/testdata"
)

func TestC2SPPath(t *testing.T) {
	for _, tc := range []struct {
		tile tlog.Tile
		want string
	}{
		{tlog.Tile{H: 8, L: 0, N: 0, W: 256}, "tile/0/000"},
		{tlog.Tile{H: 8, L: 0, N: 0, W: 15}, "tile/0/000.p/15"},
		{tlog.Tile{H: 8, L: -1, N: 0, W: 15}, "tile/entries/000.p/15"},
		{tlog.Tile{H: 8, L: -1, N: 1234067, W: 256}, "tile/entries/x001/x234/067"},
		{tlog.Tile{H: 8, L: 2, N: 1234067, W: 1}, "tile/2/x001/x234/067.p/1"},
		{tlog.Tile{H: 8, L: 1, N: 1000, W: 256}, "tile/1/x001/000"},
		{tlog.Tile{H: 8, L: 3, N: 999, W: 255}, "tile/3/999.p/255"},
	} {
		if got := c2spPath(tc.tile); got != tc.want {
			t.Errorf("c2spPath(%+v) = %q, want %q", tc.tile, got, tc.want)
		}
	}
	// Cross-check against Go's tile/H/L/N paths with the height removed.
	for _, n := range []int64{0, 1, 999, 1000, 1001, 123456, 999999, 1000000, 1234067, 1 << 40} {
		for _, l := range []int{-1, 0, 1, 5} {
			for _, w := range []int{1, 100, 255, 256} {
				tile := tlog.Tile{H: 8, L: l, N: n, W: w}
				want := strings.Replace(strings.TrimPrefix(tile.Path(), "tile/8/"), "data/", "entries/", 1)
				if got := c2spPath(tile); got != "tile/"+want {
					t.Errorf("c2spPath(%+v) = %q, want %q", tile, got, "tile/"+want)
				}
			}
		}
	}
}

func TestTileLists(t *testing.T) {
	for _, size := range []int64{0, 1, 15, 255, 256, 257, 511, 512, 65535, 65536, 65537, 256*1000 + 300, 1<<24 + 3} {
		// tlog.NewTiles(8, 0, size) lists every width of each last tile; keep the widest.
		widest := map[[2]int64]int{}
		var order [][2]int64
		for _, tile := range tlog.NewTiles(8, 0, size) {
			k := [2]int64{int64(tile.L), tile.N}
			if _, ok := widest[k]; !ok {
				order = append(order, k)
			}
			if tile.W > widest[k] {
				widest[k] = tile.W
			}
		}
		var want []tlog.Tile
		for _, k := range order {
			want = append(want, tlog.Tile{H: 8, L: int(k[0]), N: k[1], W: widest[k]})
		}
		if got := allHashTiles(size); !reflect.DeepEqual(got, want) {
			t.Errorf("allHashTiles(%d): got %d tiles, want %d", size, len(got), len(want))
		}
		bundles := tilesAtLevel(-1, size)
		level0 := tilesAtLevel(0, size)
		if len(bundles) != len(level0) {
			t.Errorf("size %d: %d bundles, %d level-0 tiles", size, len(bundles), len(level0))
		}
		for i := range bundles {
			if b, h := bundles[i], level0[i]; b.N != h.N || b.W != h.W || b.L != -1 {
				t.Errorf("size %d: bundle %+v vs tile %+v", size, b, h)
			}
		}
	}
}

func TestParseCheckpointBody(t *testing.T) {
	root := "47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU="
	good := []string{
		"o\n0\n" + root + "\n",
		"example.com/log\n1234\n" + root + "\next one\next two\n",
	}
	bad := []string{
		"o\n0\n" + root,                           // no final newline
		"o\n0\n",                                  // no root
		"\n0\n" + root + "\n",                     // empty origin
		"o\n01\n" + root + "\n",                   // leading zero
		"o\n+1\n" + root + "\n",                   // sign
		"o\n 1\n" + root + "\n",                   // space
		"o\n99999999999999999999\n" + root + "\n", // overflow
		"o\n1\nAAAA\n",                            // short hash
		"o\n1\n" + root[:43] + "\n",               // bad base64
		"o\n1\n" + root + "\n\n",                  // empty extension line
		"o\n1\n" + root + "\nx\n\n",               // empty extension line
	}
	for _, s := range good {
		if _, err := parseCheckpointBody(s); err != nil {
			t.Errorf("parseCheckpointBody(%q): %v", s, err)
		}
	}
	for _, s := range bad {
		if _, err := parseCheckpointBody(s); err == nil {
			t.Errorf("parseCheckpointBody(%q) succeeded, want error", s)
		}
	}
}

func TestParseBundle(t *testing.T) {
	b := []byte{0, 3, 'o', 'n', 'e', 0, 0, 0, 1, 'x'}
	es, err := parseBundle(b, 3)
	if err != nil || len(es) != 3 || string(es[0]) != "one" || len(es[1]) != 0 || string(es[2]) != "x" {
		t.Fatalf("parseBundle: %q, %v", es, err)
	}
	for _, bad := range [][]byte{b[:9], b[:6], append(append([]byte{}, b...), 0)} {
		if _, err := parseBundle(bad, 3); err == nil {
			t.Errorf("parseBundle(%x) succeeded", bad)
		}
	}
	if _, err := parseBundle(b, 2); err == nil {
		t.Errorf("parseBundle with wrong count succeeded")
	}
}

// files is an in-memory log served over HTTP.
type files map[string][]byte

func (fs files) clone() files {
	c := files{}
	for k, v := range fs {
		c[k] = append([]byte(nil), v...)
	}
	return c
}

type server struct {
	files   files
	gzip    bool // gzip every response with Content-Encoding: gzip
	badGzip bool // corrupt the gzip CRC trailer
}

func (s *server) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	data, ok := s.files[strings.TrimPrefix(r.URL.Path, "/log/")]
	if !ok {
		http.NotFound(w, r)
		return
	}
	if s.gzip && strings.Contains(r.Header.Get("Accept-Encoding"), "gzip") {
		var buf bytes.Buffer
		zw := gzip.NewWriter(&buf)
		zw.Write(data)
		zw.Close()
		data = buf.Bytes()
		if s.badGzip {
			data[len(data)-8] ^= 0xff
		}
		w.Header().Set("Content-Encoding", "gzip")
	}
	w.Header().Set("Content-Length", strconv.Itoa(len(data)))
	w.Write(data)
}

func serve(t *testing.T, s *server) string {
	ts := httptest.NewServer(s)
	t.Cleanup(ts.Close)
	return ts.URL + "/log/"
}

func loadGolden(t *testing.T) files {
	fsys := files{}
	err := filepath.WalkDir(goldenDir, func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		data, err := os.ReadFile(p)
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(goldenDir, p)
		fsys[filepath.ToSlash(rel)] = data
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return fsys
}

func runTool(t *testing.T, args ...string) (int, string) {
	t.Helper()
	var out, errb bytes.Buffer
	rc := run(args, &out, &errb)
	return rc, out.String() + errb.String()
}

func writeTemp(t *testing.T, data []byte) string {
	p := filepath.Join(t.TempDir(), "checkpoint")
	if err := os.WriteFile(p, data, 0o644); err != nil {
		t.Fatal(err)
	}
	return p
}

// TestGoldenAllSizes serves the golden log with each checkpoint.N as the
// current checkpoint and checks consistency with every checkpoint.M.
func TestGoldenAllSizes(t *testing.T) {
	golden := loadGolden(t)
	for n := 0; n <= 15; n++ {
		fsys := golden.clone()
		fsys["checkpoint"] = golden["checkpoint."+strconv.Itoa(n)]
		for _, gz := range []bool{false, true} {
			url := serve(t, &server{files: fsys, gzip: gz})
			for m := 0; m <= 15; m++ {
				old := filepath.Join(goldenDir, "checkpoint."+strconv.Itoa(m))
				rc, out := runTool(t, "-url", url, "-vkey", goldenVKey, "-origin", goldenOrigin, "-old-checkpoint", old)
				if m <= n {
					if rc != 0 || !strings.Contains(out, fmt.Sprintf("OK size=%d ", n)) {
						t.Fatalf("size %d, old %d, gzip %v: rc=%d\n%s", n, m, gz, rc, out)
					}
					if gz && strings.Contains(out, " 0 gzip-encoded") {
						t.Fatalf("gzip responses not counted:\n%s", out)
					}
				} else if rc != 1 || !strings.Contains(out, "larger than the current size") {
					t.Fatalf("size %d, old %d: rc=%d, want rollback failure\n%s", n, m, rc, out)
				}
			}
		}
	}
}

func TestGoldenSaveCheckpoint(t *testing.T) {
	golden := loadGolden(t)
	url := serve(t, &server{files: golden})
	save := filepath.Join(t.TempDir(), "saved")
	rc, out := runTool(t, "-url", strings.TrimSuffix(url, "/"), "-vkey", goldenVKey, "-save-checkpoint", save,
		"-check-index", "3", "-check-index", "4,5,14")
	if rc != 0 {
		t.Fatalf("rc=%d\n%s", rc, out)
	}
	got, err := os.ReadFile(save)
	if err != nil || !bytes.Equal(got, golden["checkpoint"]) {
		t.Fatalf("saved checkpoint differs: %v", err)
	}
	for _, want := range []string{"entry 0 ", "entry 7 ", "entry 14 ", "entry 3 ", "entry 4 ", "entry 5 "} {
		if !strings.Contains(out, "PASS inclusion: "+want) {
			t.Errorf("missing inclusion check for %s:\n%s", want, out)
		}
	}
}

func flip(b []byte, i int) []byte {
	b = append([]byte(nil), b...)
	b[i] ^= 1
	return b
}

func TestGoldenFailures(t *testing.T) {
	golden := loadGolden(t)
	_, otherV, _ := note.GenerateKey(rand.Reader, goldenOrigin)
	for _, tc := range []struct {
		name   string
		edit   func(files)
		srv    func(*server)
		args   []string
		wantRC int
		want   string
	}{
		{name: "entry byte", edit: func(f files) { f["tile/entries/000.p/15"] = flip(f["tile/entries/000.p/15"], 22) },
			want: "hash #3 (leaf hash of entry 3)"},
		{name: "entry length prefix", edit: func(f files) { f["tile/entries/000.p/15"] = flip(f["tile/entries/000.p/15"], 1) },
			want: "tile/entries/000.p/15"},
		{name: "extra entry", edit: func(f files) { f["tile/entries/000.p/15"] = append(f["tile/entries/000.p/15"], 0, 1, 'x') },
			want: "bundle has 16 entries, want 15"},
		{name: "tile byte", edit: func(f files) { f["tile/0/000.p/15"] = flip(f["tile/0/000.p/15"], 32*14+5) },
			want: "tile/0/000.p/15: hash #14 (leaf hash of entry 14)"},
		{name: "tile truncated", edit: func(f files) { f["tile/0/000.p/15"] = f["tile/0/000.p/15"][:32*14] },
			want: "448 bytes, want 480"},
		{name: "missing tile", edit: func(f files) { delete(f, "tile/0/000.p/15") },
			want: "/log/tile/0/000.p/15: HTTP status 404"},
		{name: "missing checkpoint", edit: func(f files) { delete(f, "checkpoint") },
			want: "/log/checkpoint: HTTP status 404"},
		{name: "checkpoint tampered", edit: func(f files) { f["checkpoint"] = bytes.Replace(f["checkpoint"], []byte("\n15\n"), []byte("\n14\n"), 1) },
			want: "does not verify"},
		{name: "wrong key", args: []string{"-vkey", otherV}, want: "no signature by"},
		{name: "wrong origin", args: []string{"-origin", "example.com/other"}, want: `origin is "example.com/log/testdata", want "example.com/other"`},
		{name: "index out of range", args: []string{"-check-index", "15"}, want: "out of range"},
		{name: "bad gzip", srv: func(s *server) { s.gzip, s.badGzip = true, true }, want: "checkpoint: reading response body: gzip: invalid checksum"},
		{name: "old from another log", args: []string{"-old-checkpoint", writeTemp(t, []byte("x\n"))}, want: "old checkpoint"},
		{name: "usage: no vkey", args: []string{"-vkey", ""}, wantRC: 2},
		{name: "usage: bad vkey", args: []string{"-vkey", "nonsense"}, wantRC: 2},
		{name: "usage: bad index", args: []string{"-check-index", "-1"}, wantRC: 2},
		{name: "usage: positional", args: []string{"extra"}, wantRC: 2},
	} {
		t.Run(tc.name, func(t *testing.T) {
			fsys := golden.clone()
			if tc.edit != nil {
				tc.edit(fsys)
			}
			s := &server{files: fsys}
			if tc.srv != nil {
				tc.srv(s)
			}
			args := append([]string{"-url", serve(t, s), "-vkey", goldenVKey}, tc.args...)
			rc, out := runTool(t, args...)
			want := tc.wantRC
			if want == 0 {
				want = 1
			}
			if rc != want || !strings.Contains(out, tc.want) {
				t.Fatalf("rc=%d (want %d), output does not contain %q:\n%s", rc, want, tc.want, out)
			}
		})
	}
}

// synthLog builds a C2SP log of the given size with tlog itself and returns
// its files (with partial tiles for every size in sizes) and the stored hashes.
type synthLog struct {
	files  files
	mem    *memHashReader
	signer note.Signer
	vkey   string
	origin string
}

func newSynthLog(t *testing.T, origin string, size int64, prefix string, sizes ...int64) *synthLog {
	skey, vkey, err := note.GenerateKey(rand.Reader, origin)
	if err != nil {
		t.Fatal(err)
	}
	signer, err := note.NewSigner(skey)
	if err != nil {
		t.Fatal(err)
	}
	return buildSynthLog(t, origin, signer, vkey, size, prefix, sizes...)
}

func buildSynthLog(t *testing.T, origin string, signer note.Signer, vkey string, size int64, prefix string, sizes ...int64) *synthLog {
	l := &synthLog{files: files{}, mem: &memHashReader{}, signer: signer, vkey: vkey, origin: origin}
	entries := make([][]byte, size)
	for i := range entries {
		entries[i] = []byte(fmt.Sprintf("%s entry %d", prefix, i))
		hs, err := tlog.StoredHashes(int64(i), entries[i], l.mem)
		if err != nil {
			t.Fatal(err)
		}
		l.mem.hashes = append(l.mem.hashes, hs...)
	}
	prev := int64(0)
	for _, s := range append(sizes, size) {
		for _, tile := range tlog.NewTiles(8, prev, s) {
			data, err := tlog.ReadTileData(tile, l.mem)
			if err != nil {
				t.Fatal(err)
			}
			l.files[c2spPath(tile)] = data
			if tile.L == 0 {
				var b []byte
				for _, e := range entries[tile.N*256 : tile.N*256+int64(tile.W)] {
					b = binary.BigEndian.AppendUint16(b, uint16(len(e)))
					b = append(b, e...)
				}
				l.files[c2spPath(tlog.Tile{H: 8, L: -1, N: tile.N, W: tile.W})] = b
			}
		}
		prev = s
	}
	l.files["checkpoint"] = l.checkpoint(t, size)
	return l
}

func (l *synthLog) checkpoint(t *testing.T, size int64) []byte {
	root := emptyRoot
	if size > 0 {
		var err error
		if root, err = tlog.TreeHash(size, l.mem); err != nil {
			t.Fatal(err)
		}
	}
	msg, err := note.Sign(&note.Note{Text: fmt.Sprintf("%s\n%d\n%s\nextension line\n", l.origin, size, b64(root))}, l.signer)
	if err != nil {
		t.Fatal(err)
	}
	return msg
}

// TestSyntheticLarge exercises a multi-level tree with x-prefixed tile paths
// (level-0 tile numbers past 999), partial-tile fallback and forks.
func TestSyntheticLarge(t *testing.T) {
	if testing.Short() {
		t.Skip("large synthetic log")
	}
	const size = 256*1000 + 300
	const mid = 70005
	l := newSynthLog(t, "example.com/synthetic", size, "a", mid)
	if _, ok := l.files["tile/0/x001/000"]; !ok {
		t.Fatal("expected tile/0/x001/000 in the synthetic log")
	}
	url := serve(t, &server{files: l.files, gzip: true})
	midCP := writeTemp(t, l.checkpoint(t, mid))

	rc, out := runTool(t, "-url", url, "-vkey", l.vkey, "-old-checkpoint", midCP, "-check-index", "255,256,65535,65536,256000")
	if rc != 0 || !strings.Contains(out, fmt.Sprintf("OK size=%d ", size)) {
		t.Fatalf("rc=%d\n%s", rc, out)
	}
	if !strings.Contains(out, "on 3 level(s)") {
		t.Errorf("expected 3 tile levels:\n%s", out)
	}

	// Serve the mid-size checkpoint after deleting the partial tiles that
	// have full versions: the client must fall back to full tiles.
	old := l.files.clone()
	old["checkpoint"] = l.checkpoint(t, mid)
	deleted := 0
	for _, tile := range append(allHashTiles(mid), tilesAtLevel(-1, mid)...) {
		full := tile
		full.W = 256
		if _, ok := old[c2spPath(full)]; ok && tile.W < 256 {
			delete(old, c2spPath(tile))
			deleted++
		}
	}
	if deleted != 3 {
		t.Fatalf("deleted %d partial tiles, want 3", deleted)
	}
	rc, out = runTool(t, "-url", serve(t, &server{files: old}), "-vkey", l.vkey, "-check-index", "70004")
	if rc != 0 || !strings.Contains(out, fmt.Sprintf("OK size=%d ", mid)) || strings.Contains(out, " 0 partial->full") {
		t.Fatalf("fallback: rc=%d\n%s", rc, out)
	}

	// A fork signed by the same key must fail consistency.
	fork := buildSynthLog(t, l.origin, l.signer, l.vkey, 1000, "b")
	rc, out = runTool(t, "-url", url, "-vkey", l.vkey, "-old-checkpoint", writeTemp(t, fork.files["checkpoint"]))
	if rc != 1 || !strings.Contains(out, "old tree is not a prefix of the current tree") {
		t.Fatalf("fork: rc=%d\n%s", rc, out)
	}

	// A wrong hash in a level-1 tile is pinpointed.
	bad := l.files.clone()
	bad["tile/1/001"] = flip(bad["tile/1/001"], 32*7)
	rc, out = runTool(t, "-url", serve(t, &server{files: bad}), "-vkey", l.vkey)
	if rc != 1 || !strings.Contains(out, "tile/1/001: hash #7 (root of full level-0 tile 263 = Merkle level 8 node 263, covering entries 67328..67583)") {
		t.Fatalf("level-1 tamper: rc=%d\n%s", rc, out)
	}

	// Step 4 on its own: tiles served over HTTP with a wrong hash on the
	// proof path must make the inclusion or consistency check fail.
	root, _ := tlog.TreeHash(size, l.mem)
	tree := tlog.Tree{N: size, Hash: root}
	for _, path := range []string{"tile/0/263", "tile/1/001"} {
		for _, k := range []int{73, 6} { // sibling of entry 67400 at level 0 / level 8
			if path == "tile/1/001" && k == 73 || path == "tile/0/263" && k == 6 {
				continue
			}
			bad := l.files.clone()
			bad[path] = flip(bad[path], 32*k+1)
			f := newFetcher(serve(t, &server{files: bad}), 8, time.Minute)
			thr := tlog.TileHashReader(tree, &httpTileReader{ctx: context.Background(), f: f})
			if _, err := proveInclusion(thr, tree, 67400, tlog.RecordHash([]byte("a entry 67400"))); err == nil {
				t.Errorf("inclusion proof accepted with %s hash #%d tampered", path, k)
			} else {
				t.Logf("%s #%d tampered: inclusion: %v", path, k, err)
			}
			if _, err := proveConsistency(thr, tree, tlog.Tree{N: 67401, Hash: mustTreeHash(t, 67401, l.mem)}); err == nil {
				t.Errorf("consistency proof accepted with %s hash #%d tampered", path, k)
			}
		}
	}
	// And an untampered server passes both.
	f := newFetcher(url, 8, time.Minute)
	thr := tlog.TileHashReader(tree, &httpTileReader{ctx: context.Background(), f: f})
	if _, err := proveInclusion(thr, tree, 67400, tlog.RecordHash([]byte("a entry 67400"))); err != nil {
		t.Error(err)
	}
	if _, err := proveConsistency(thr, tree, tlog.Tree{N: 67401, Hash: mustTreeHash(t, 67401, l.mem)}); err != nil {
		t.Error(err)
	}
}

func mustTreeHash(t *testing.T, n int64, r tlog.HashReader) tlog.Hash {
	h, err := tlog.TreeHash(n, r)
	if err != nil {
		t.Fatal(err)
	}
	return h
}

// TestEmptyLog checks a size-0 log (no tiles at all).
func TestEmptyLog(t *testing.T) {
	l := newSynthLog(t, "example.com/empty", 0, "a")
	rc, out := runTool(t, "-url", serve(t, &server{files: l.files}), "-vkey", l.vkey, "-old-checkpoint", writeTemp(t, l.files["checkpoint"]))
	if rc != 0 || !strings.Contains(out, "OK size=0 root=47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU=") {
		t.Fatalf("rc=%d\n%s", rc, out)
	}
}
