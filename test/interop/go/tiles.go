package main

import (
	"compress/gzip"
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"golang.org/x/mod/sumdb/tlog"
)

const (
	tileHeight = 8
	tileWidth  = 1 << tileHeight // 256 hashes or entries per full tile

	maxCheckpointSize = 1 << 20
	maxHashTileSize   = tileWidth * tlog.HashSize
	maxBundleSize     = tileWidth * (2 + 65535)
)

// c2spPath returns the C2SP tlog-tiles path of t: tile/<L>/<N>[.p/<W>] for
// hash tiles and tile/entries/<N>[.p/<W>] for entry bundles (t.L == -1).
// Unlike tlog.Tile.Path there is no height element. N is written in groups
// of three digits, all but the last prefixed with "x" (1234067 ->
// x001/x234/067); the .p/<W> suffix is present only for partial tiles.
func c2spPath(t tlog.Tile) string {
	if t.H != tileHeight || t.L < -1 || t.N < 0 || t.W < 1 || t.W > tileWidth {
		panic(fmt.Sprintf("c2spPath: invalid tile %+v", t))
	}
	n := t.N
	nStr := fmt.Sprintf("%03d", n%1000)
	for n >= 1000 {
		n /= 1000
		nStr = fmt.Sprintf("x%03d/%s", n%1000, nStr)
	}
	level := "entries"
	if t.L >= 0 {
		level = strconv.Itoa(t.L)
	}
	p := "tile/" + level + "/" + nStr
	if t.W != tileWidth {
		p += ".p/" + strconv.Itoa(t.W)
	}
	return p
}

// tilesAtLevel lists the tiles of a tree of the given size at level L
// (L == -1: entry bundles, which have the same coordinates as level 0).
// Level L has floor(size/256^L) hashes: that many divided by 256 full tiles,
// plus a partial tile of width floor(size/256^L) mod 256 if non-zero.
func tilesAtLevel(L int, size int64) []tlog.Tile {
	shift := uint(0)
	if L > 0 {
		shift = uint(tileHeight * L)
	}
	count := size >> shift
	var tiles []tlog.Tile
	for n := int64(0); n < count/tileWidth; n++ {
		tiles = append(tiles, tlog.Tile{H: tileHeight, L: L, N: n, W: tileWidth})
	}
	if w := count % tileWidth; w > 0 {
		tiles = append(tiles, tlog.Tile{H: tileHeight, L: L, N: count / tileWidth, W: int(w)})
	}
	return tiles
}

// allHashTiles lists every hash tile of a tree of the given size, level by level.
func allHashTiles(size int64) []tlog.Tile {
	var tiles []tlog.Tile
	for L := 0; size>>uint(tileHeight*L) > 0; L++ {
		tiles = append(tiles, tilesAtLevel(L, size)...)
	}
	return tiles
}

// parseBundle splits a C2SP entry bundle (a sequence of entries, each
// prefixed by its big-endian uint16 length) and requires exactly want entries.
func parseBundle(data []byte, want int) ([][]byte, error) {
	var entries [][]byte
	for off := 0; off < len(data); {
		if len(data)-off < 2 {
			return nil, fmt.Errorf("truncated length prefix of entry #%d at byte offset %d", len(entries), off)
		}
		l := int(binary.BigEndian.Uint16(data[off:]))
		off += 2
		if len(data)-off < l {
			return nil, fmt.Errorf("entry #%d at byte offset %d: length %d exceeds the %d remaining byte(s)", len(entries), off-2, l, len(data)-off)
		}
		entries = append(entries, data[off:off+l:off+l])
		off += l
	}
	if len(entries) != want {
		return nil, fmt.Errorf("bundle has %d entries, want %d", len(entries), want)
	}
	return entries, nil
}

// fetcher GETs paths relative to the log prefix.
type fetcher struct {
	base    string
	client  *http.Client
	workers int

	requests  atomic.Int64
	gzipped   atomic.Int64
	fallbacks atomic.Int64
}

func newFetcher(base string, workers int, timeout time.Duration) *fetcher {
	tr := http.DefaultTransport.(*http.Transport).Clone()
	// We send Accept-Encoding ourselves and decode gzip explicitly below, so
	// that compressed responses are decompressed and CRC-checked here.
	tr.DisableCompression = true
	tr.MaxIdleConnsPerHost = workers
	return &fetcher{
		base:    base,
		client:  &http.Client{Transport: tr, Timeout: timeout},
		workers: workers,
	}
}

func (f *fetcher) url(path string) string { return f.base + path }

// statusError is a non-200 HTTP response.
type statusError struct {
	url  string
	code int
}

func (e *statusError) Error() string {
	return fmt.Sprintf("GET %s: HTTP status %d %s (want 200)", e.url, e.code, http.StatusText(e.code))
}

// get fetches path and returns the (decoded) body, at most limit bytes.
func (f *fetcher) get(ctx context.Context, path string, limit int64) ([]byte, error) {
	u := f.url(path)
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, u, nil)
	if err != nil {
		return nil, fmt.Errorf("GET %s: %v", u, err)
	}
	req.Header.Set("Accept-Encoding", "gzip")
	f.requests.Add(1)
	resp, err := f.client.Do(req)
	if err != nil {
		return nil, fmt.Errorf("GET %s: %v", u, err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		io.Copy(io.Discard, io.LimitReader(resp.Body, 64<<10))
		return nil, &statusError{u, resp.StatusCode}
	}
	var body io.Reader = resp.Body
	switch ce := strings.ToLower(strings.TrimSpace(resp.Header.Get("Content-Encoding"))); ce {
	case "", "identity":
	case "gzip", "x-gzip":
		f.gzipped.Add(1)
		zr, err := gzip.NewReader(resp.Body)
		if err != nil {
			return nil, fmt.Errorf("GET %s: bad gzip response body: %v", u, err)
		}
		defer zr.Close()
		body = zr
	default:
		return nil, fmt.Errorf("GET %s: unsupported Content-Encoding %q", u, ce)
	}
	// Reading to EOF makes gzip verify its CRC-32 and length trailer.
	data, err := io.ReadAll(io.LimitReader(body, limit+1))
	if err != nil {
		return nil, fmt.Errorf("GET %s: reading response body: %v", u, err)
	}
	if int64(len(data)) > limit {
		return nil, fmt.Errorf("GET %s: response body larger than %d bytes", u, limit)
	}
	return data, nil
}

func isNotFound(err error) bool {
	var se *statusError
	return errors.As(err, &se) && se.code == http.StatusNotFound
}

// fetchHashTile fetches hash tile t and checks its length is t.W hashes. If a
// partial tile is 404, it falls back to the full tile and truncates it, as
// C2SP tlog-tiles allows logs to delete partial tiles once the full one exists.
func (f *fetcher) fetchHashTile(ctx context.Context, t tlog.Tile) ([]byte, error) {
	p := c2spPath(t)
	data, err := f.get(ctx, p, maxHashTileSize)
	if err != nil && t.W < tileWidth && isNotFound(err) {
		full := t
		full.W = tileWidth
		fp := c2spPath(full)
		fdata, ferr := f.get(ctx, fp, maxHashTileSize)
		if ferr != nil {
			return nil, fmt.Errorf("%v; fallback to full tile: %v", err, ferr)
		}
		if len(fdata) != tileWidth*tlog.HashSize {
			return nil, fmt.Errorf("%s: %d bytes, want %d (full tile of %d hashes)", f.url(fp), len(fdata), tileWidth*tlog.HashSize, tileWidth)
		}
		f.fallbacks.Add(1)
		return fdata[:t.W*tlog.HashSize], nil
	}
	if err != nil {
		return nil, err
	}
	if len(data) != t.W*tlog.HashSize {
		return nil, fmt.Errorf("%s: %d bytes, want %d (%d hashes)", f.url(p), len(data), t.W*tlog.HashSize, t.W)
	}
	return data, nil
}

// fetchBundle fetches entry bundle t (with the same partial fallback); the
// caller parses and counts the entries.
func (f *fetcher) fetchBundle(ctx context.Context, t tlog.Tile) ([]byte, error) {
	data, err := f.get(ctx, c2spPath(t), maxBundleSize)
	if err != nil && t.W < tileWidth && isNotFound(err) {
		full := t
		full.W = tileWidth
		fp := c2spPath(full)
		fdata, ferr := f.get(ctx, fp, maxBundleSize)
		if ferr != nil {
			return nil, fmt.Errorf("%v; fallback to full bundle: %v", err, ferr)
		}
		entries, perr := parseBundle(fdata, tileWidth)
		if perr != nil {
			return nil, fmt.Errorf("%s: %v", f.url(fp), perr)
		}
		// Re-encode the first t.W entries exactly as they were framed.
		n := 0
		for _, e := range entries[:t.W] {
			n += 2 + len(e)
		}
		f.fallbacks.Add(1)
		return fdata[:n], nil
	}
	return data, err
}

// fetchAll fetches tiles with f.workers parallel workers and returns their
// data in order. On failure it returns the first error that occurred.
func (f *fetcher) fetchAll(ctx context.Context, tiles []tlog.Tile, fetch func(context.Context, tlog.Tile) ([]byte, error)) ([][]byte, error) {
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	out := make([][]byte, len(tiles))
	var (
		mu       sync.Mutex
		firstErr error
		wg       sync.WaitGroup
		next     = make(chan int)
	)
	workers := f.workers
	if workers > len(tiles) {
		workers = len(tiles)
	}
	for w := 0; w < workers; w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range next {
				data, err := fetch(ctx, tiles[i])
				if err != nil {
					mu.Lock()
					if firstErr == nil {
						firstErr = err
						cancel()
					}
					mu.Unlock()
					continue
				}
				out[i] = data
			}
		}()
	}
feed:
	for i := range tiles {
		select {
		case next <- i:
		case <-ctx.Done():
			break feed
		}
	}
	close(next)
	wg.Wait()
	if firstErr != nil {
		return nil, firstErr
	}
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	return out, nil
}
