# Independent reference implementation of proofline.dev/sample/v1 (docs/evidence.md), which
# generated sample-vectors.json: python3 sample_vectors.py > sample-vectors.json
import hmac, hashlib, json, sys

def stream(seed):
    c = 0
    while True:
        d = hmac.new(seed, c.to_bytes(8, 'big'), hashlib.sha256).digest()
        yield int.from_bytes(d[:8], 'big')
        c += 1

def draw(seed, n, k, stats=None):
    st = stream(seed)
    swapped, out = {}, []
    for i in range(k):
        m = n - i
        limit = 2**64 - (2**64 % m)
        while True:
            x = next(st)
            if x < limit:
                break
            if stats is not None: stats['rejections'] += 1
        j = i + x % m
        ai, aj = swapped.get(i, i), swapped.get(j, j)
        swapped[j], swapped[i] = ai, aj
        out.append(aj)
    return out

def size_for(n, percent, lo=0, hi=2**53-1):
    whole, _, frac = percent.partition('.')
    millionths = int(whole) * 10**6 + int(frac.ljust(6, '0') or 0)
    return min(n, max(lo, min(hi, -(-n * millionths // 10**8))))

sha = lambda s: hashlib.sha256(s.encode()).hexdigest()
cases = [
    ('00', 1, 1), ('00', 10, 0), ('00', 10, 10), ('01', 3, 3), ('ff', 2, 1),
    (sha('proofline'), 10, 10), (sha('proofline'), 1000, 25), (sha('january'), 100000, 100),
    (sha('february'), 2**53 - 1, 5), ('0123456789abcdef' * 8, 52, 52),
    ('e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855', 7, 4),
]
# A case where the rejection step is taken: search seeds for a long draw near 2^53.
n_big = 3 * 2**51 + 12345  # 2^64 mod n is large, so rejections are not too rare
for t in range(10000):
    seed = sha(f'rejection-{t}')
    stats = {'rejections': 0}
    draw(bytes.fromhex(seed), n_big, 40, stats)
    if stats['rejections'] > 0:
        cases.append((seed, n_big, 40)); break
vectors = []
for seed, n, k in cases:
    stats = {'rejections': 0}
    out = draw(bytes.fromhex(seed), n, k, stats)
    vectors.append({'seed': seed, 'populationSize': n, 'sampleSize': k, 'positions': out, 'rejections': stats['rejections']})
sizes = [
    {'populationSize': n, 'percent': p, 'min': lo, 'max': hi, 'size': size_for(n, p, lo, hi)}
    for n, p, lo, hi in [(1000, '5', 0, 2**53-1), (1001, '5', 0, 2**53-1), (999, '2.5', 25, 60), (10, '10', 25, 60),
                         (100000, '0.001', 0, 2**53-1), (7, '100', 0, 2**53-1), (123456789, '33.333333', 0, 2**53-1), (0, '5', 25, 60)]
]
json.dump({'algorithm': 'proofline.dev/sample/v1',
           'generatedBy': 'an independent Python implementation of docs/evidence.md (docs/evidence.md shows it)',
           'vectors': vectors, 'sizes': sizes}, sys.stdout, indent=1)
print()
