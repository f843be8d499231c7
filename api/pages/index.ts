/**
 * The password reset page (/reset-password#token=…), linked from the reset email. The token travels in the
 * URL's fragment, which browsers never send to a server, so it reaches no access log; the page takes it out of
 * the address bar at once (history.replaceState) and posts it with the new password to the existing reset API
 * (POST /api/auth/password/reset), which spends it: the link works once. No build step, no third-party code.
 */
export const RESET_PASSWORD_PAGE = `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="robots" content="noindex">
<title>Reset your password · HealthLink</title>
<style>
body{font-family:system-ui,sans-serif;max-width:26rem;margin:2rem auto;padding:0 1rem;line-height:1.4}
label{display:block;margin:.75rem 0 .25rem}
input{font-size:1rem;padding:.5rem;width:100%;box-sizing:border-box}
button{font-size:1rem;padding:.6rem 1rem;margin-top:1rem;width:100%}
#status{margin-top:1rem;min-height:1.5rem}
.error{color:#b91c1c}
</style>
</head>
<body>
<main>
<h1>Reset your password</h1>
<form id="reset" hidden>
<label for="password">New password (at least 8 characters)</label>
<input id="password" name="password" type="password" autocomplete="new-password" minlength="8" maxlength="200" required>
<label for="confirm">Type it again</label>
<input id="confirm" name="confirm" type="password" autocomplete="new-password" minlength="8" maxlength="200" required>
<button type="submit">Set new password</button>
</form>
<p id="status" role="status" aria-live="polite"></p>
<p><a href="/chat">Back to HealthLink</a></p>
</main>
<script>
(function () {
  var params = new URLSearchParams(location.hash.slice(1));
  var token = params.get("token") || "";
  // The token leaves the address bar (and so the history and any copied link) before anything else happens.
  if (location.hash) history.replaceState(null, "", location.pathname);
  var form = document.getElementById("reset");
  var status = document.getElementById("status");
  function show(text, isError) {
    status.textContent = text;
    status.className = isError ? "error" : "";
  }
  if (!token) {
    show("This page needs the link from your reset email. Ask for a new one from the sign-in page if it has expired.", true);
    return;
  }
  form.hidden = false;
  form.addEventListener("submit", function (event) {
    event.preventDefault();
    var password = document.getElementById("password").value;
    if (password !== document.getElementById("confirm").value) return show("The two passwords are not the same.", true);
    if (password.length < 8) return show("Please use at least 8 characters.", true);
    form.querySelector("button").disabled = true;
    show("Saving…", false);
    fetch("/api/auth/password/reset", {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ token: token, password: password }),
      credentials: "omit",
      referrerPolicy: "no-referrer"
    }).then(function (res) {
      if (res.status === 204) {
        token = "";
        form.hidden = true;
        return show("Your password is changed. You can sign in with it now; other sessions were signed out.", false);
      }
      return res.json().catch(function () { return {}; }).then(function (body) {
        form.querySelector("button").disabled = false;
        var message = body && body.error && body.error.message;
        show(message || "The password could not be changed. Please try again.", true);
      });
    }, function () {
      form.querySelector("button").disabled = false;
      show("No connection. Please try again.", true);
    });
  });
})();
</script>
</body>
</html>
`;

const escapeHtml = (s: string): string =>
  s.replace(/[&<>"']/g, (c) => ({ "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" })[c]!);

/** /dev/outbox: the messages the embedded start kept instead of sending, newest first. */
export function devOutboxPage(
  entries: { at: Date; channel: string; to: string; subject: string | undefined; text: string }[],
): string {
  const items = entries
    .map(
      (e) => `<article>
<p class="meta"><strong>${escapeHtml(e.channel.toUpperCase())}</strong> to <strong>${escapeHtml(e.to)}</strong> · <time datetime="${e.at.toISOString()}">${escapeHtml(e.at.toISOString().replace("T", " ").slice(0, 19))} UTC</time></p>
${e.subject !== undefined ? `<h2>${escapeHtml(e.subject)}</h2>` : ""}
<pre>${linkify(escapeHtml(e.text))}</pre>
</article>`,
    )
    .join("\n");
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="robots" content="noindex">
<title>Development outbox · HealthLink</title>
<style>
body{font-family:system-ui,sans-serif;max-width:48rem;margin:2rem auto;padding:0 1rem}
.banner{background:#b45309;color:#fff;padding:.75rem;border-radius:.25rem}
article{border-bottom:1px solid #ddd;padding:.5rem 0}
.meta{color:#444;margin:.25rem 0}h2{font-size:1.05rem;margin:.25rem 0}
pre{white-space:pre-wrap;font-family:inherit;margin:.25rem 0}
</style>
</head>
<body>
<h1>Development outbox</h1>
<p class="banner">Embedded start: no email or SMS provider is configured, so the emails and SMS that would have gone out are kept here instead (newest first). Set SMTP_URL and TWILIO_* to send them for real; with DATABASE_URL set this page does not exist.</p>
${items || "<p>Nothing yet. One-time codes and password reset emails appear here.</p>"}
</body>
</html>
`;
}

/** Our own links in a message become clickable (the text is escaped first). */
function linkify(escaped: string): string {
  return escaped.replace(/https?:\/\/[^\s<]+/g, (url) => `<a href="${url}">${url}</a>`);
}
