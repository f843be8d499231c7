/**
 * The minimal browser calling page (/voice/call): sign in as a doctor or nurse, type an appointment id, Call.
 * The access token stays in the page's memory; @twilio/voice-sdk comes from /voice/sdk.js (same origin). The
 * patient's number is never sent to the page: Twilio asks our signed webhook what to dial.
 */
export const CALL_PAGE = `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>HealthLink call</title>
<style>
  body { font: 16px system-ui, sans-serif; max-width: 28rem; margin: 2rem auto; padding: 0 1rem; }
  form { display: grid; gap: .5rem; margin-bottom: 1rem; }
  input, button { font: inherit; padding: .5rem; }
  [hidden] { display: none !important; }
  #status { min-height: 1.3em; color: #555; }
</style>
</head>
<body>
<h1>Call a patient</h1>
<form id="signin">
  <label>Email <input id="email" type="email" autocomplete="username" required></label>
  <label>Password <input id="password" type="password" autocomplete="current-password" required></label>
  <button type="submit">Sign in</button>
</form>
<form id="dial" hidden>
  <label>Appointment ID <input id="appointment" inputmode="numeric" pattern="[0-9]+" required></label>
  <button type="submit" id="call">Call</button>
  <button type="button" id="hangup" disabled>Hang up</button>
</form>
<p id="status" role="status" aria-live="polite"></p>
<script src="/voice/sdk.js"></script>
<script>
(() => {
  const $ = (id) => document.getElementById(id);
  const status = (t) => { $("status").textContent = t; };
  let access = null, device = null, call = null;
  $("signin").addEventListener("submit", async (e) => {
    e.preventDefault();
    const res = await fetch("/api/auth/login", { method: "POST", headers: { "content-type": "application/json" },
      body: JSON.stringify({ email: $("email").value, password: $("password").value }) });
    if (!res.ok) return status("Sign-in failed.");
    access = (await res.json()).access_token;
    const t = await fetch("/api/voice/token", { headers: { authorization: "Bearer " + access } });
    if (!t.ok) return status(t.status === 403 ? "Calling is for doctors and nurses." : "Calling is not available.");
    device = new Twilio.Device((await t.json()).token, { logLevel: "error" });
    $("signin").hidden = true; $("dial").hidden = false; status("Ready.");
  });
  $("dial").addEventListener("submit", async (e) => {
    e.preventDefault();
    if (!device || call) return;
    status("Calling…");
    call = await device.connect({ params: { appointment_id: $("appointment").value } });
    $("hangup").disabled = false;
    call.on("accept", () => status("Connected."));
    call.on("disconnect", () => { call = null; $("hangup").disabled = true; status("Call ended."); });
    call.on("error", () => status("The call failed."));
  });
  $("hangup").addEventListener("click", () => call && call.disconnect());
})();
</script>
</body>
</html>
`;
