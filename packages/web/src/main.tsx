import { render } from 'preact';
import { useEffect } from 'preact/hooks';
import { ExplorerPage } from './ExplorerPage.js';
import { RecordPage } from './RecordPage.js';
import { ScittPage } from './ScittPage.js';
import { Link, routeOf, useLocation } from './router.js';
import './style.css';

function App() {
  const { pathname, hash } = useLocation();
  const route = routeOf(pathname);
  // Only the record and SCITT pages have a verification state (they set and clear it).
  useEffect(() => {
    if (route.page !== 'record' && route.page !== 'scitt') {
      delete document.body.dataset.verification;
    }
  }, [route.page]);
  return (
    <>
      <a class="skip-link" href="#main">
        Skip to content
      </a>
      <header class="site-header">
        <div class="site-header-inner">
          <Link href="/" class="brand">
            <svg class="brand-mark" viewBox="0 0 32 32" aria-hidden="true" focusable="false">
              <rect width="32" height="32" rx="7" />
              <path d="M9 16.5l4.5 4.5L23 11.5" />
            </svg>
            Proofline
          </Link>
          <nav aria-label="Site">
            <Link href="/">Logs</Link> <Link href="/verify">Verify a receipt</Link>
          </nav>
        </div>
      </header>
      {route.page === 'record' && <RecordPage key={route.id} id={route.id} hash={hash} />}
      {route.page === 'scitt' && <ScittPage hash={hash} />}
      {route.page === 'explorer' && <ExplorerPage key={route.log ?? ''} log={route.log} />}
      {route.page === 'not-found' && <NotFound />}
      <footer class="site-footer">
        <p>
          Proofline publishes append-only, signed logs in the open{' '}
          <a href="https://c2sp.org/tlog-tiles" rel="noreferrer">
            C2SP transparency-log formats
          </a>
          . Proofs are checked in your browser; no cookies are used.
        </p>
      </footer>
    </>
  );
}

function NotFound() {
  return (
    <main id="main" class="page">
      <h1>Page not found</h1>
      <p>
        There is nothing here. <Link href="/">See the logs</Link>.
      </p>
    </main>
  );
}

render(<App />, document.getElementById('app')!);
