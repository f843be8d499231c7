/**
 * The one small style of HealthLink's own web pages (the chat, the landing page, terms and privacy; others
 * such as a reset-password page can use it too): system fonts, one brand colour with enough contrast, a
 * visible focus ring. Pages are plain HTML with inline CSS (no build step), so the compiled server carries them.
 */
export const SITE_CSS = `
  :root { --brand: #0b5394; --ink: #111; --muted: #4a4a4a; --line: #c8c8c8; --focus: #f1c232; }
  * { box-sizing: border-box; }
  body { font: 16px/1.5 system-ui, -apple-system, "Segoe UI", Roboto, sans-serif; margin: 0; color: var(--ink); background: #fff; }
  header.site { padding: .75rem 1rem; background: var(--brand); color: #fff; display: flex; align-items: center; gap: .75rem; flex-wrap: wrap; }
  header.site .brand { font-size: 1.15rem; margin: 0; font-weight: 700; color: #fff; text-decoration: none; }
  header.site nav { margin-left: auto; display: flex; gap: .75rem; align-items: center; }
  header.site nav a, header.site nav button { color: #fff; font: inherit; }
  header.site nav button { background: transparent; border: 1px solid #fff; border-radius: .4rem; padding: .2rem .6rem; cursor: pointer; }
  main.page { max-width: 42rem; margin: 0 auto; padding: 1rem; }
  main.page h1 { font-size: 1.6rem; line-height: 1.25; }
  main.page h2 { font-size: 1.2rem; margin-top: 1.75rem; }
  a { color: var(--brand); }
  .button { display: inline-block; padding: .55rem 1rem; border-radius: .4rem; background: var(--brand); color: #fff; text-decoration: none; border: 0; font: inherit; cursor: pointer; }
  .button.secondary { background: #fff; color: var(--brand); border: 1px solid var(--brand); }
  a:focus-visible, button:focus-visible, input:focus-visible, summary:focus-visible { outline: 3px solid var(--focus); outline-offset: 2px; }
  .muted { color: var(--muted); }
  footer.site { max-width: 42rem; margin: 2rem auto; padding: 1rem; border-top: 1px solid var(--line); font-size: .9rem; color: var(--muted); }
  .sr-only { position: absolute; width: 1px; height: 1px; padding: 0; margin: -1px; overflow: hidden; clip: rect(0 0 0 0); white-space: nowrap; border: 0; }
`;

/** Escapes text for HTML element content and attribute values. */
export function escapeHtml(s: string): string {
  return s.replace(
    /[&<>"']/g,
    (c) => ({ "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" })[c]!,
  );
}

/** A whole static page in the site's style; `main` is trusted HTML built by the caller. */
export function sitePage(opts: { title: string; main: string; nav?: string }): string {
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${escapeHtml(opts.title)}</title>
<style>${SITE_CSS}</style>
</head>
<body>
<header class="site"><a class="brand" href="/">HealthLink</a><nav aria-label="Site">${opts.nav ?? '<a href="/chat">Chat</a><a href="/terms">Terms and privacy</a>'}</nav></header>
<main class="page" id="main">
${opts.main}
</main>
<footer class="site"><p>HealthLink · <a href="/terms">Terms and privacy</a></p></footer>
</body>
</html>
`;
}

/** Headers for our static pages: no scripts at all, not framed, no referrer. */
export const STATIC_PAGE_CSP = "default-src 'none'; style-src 'unsafe-inline'; frame-ancestors 'none'";
