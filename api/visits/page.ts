/**
 * The visit page (GET /visit/<token>): one static HTML document with inline JS, no build step, no third
 * party. It joins with the link's token (POST /api/visit/join), checks the camera and microphone, waits for
 * the other person, then runs a peer-to-peer WebRTC call signalled over /api/visits/signal (the signalling
 * token goes in Sec-WebSocket-Protocol, never in a URL). Mute, camera off, leave and a side chat; audio
 * visits are the same page without video; chat visits have only the chat. Laid out for a phone first.
 * Consent to recording is a checkbox before joining (sent with the join); while the visit records (both
 * consented) a red "● Recording" badge shows in the header, for both people.
 * `window.healthlinkVisit` exposes the peer connections (the browser tests read their getStats()).
 */
export const VISIT_PAGE = `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1, viewport-fit=cover">
<meta name="referrer" content="no-referrer">
<title>HealthLink visit</title>
<style>
  * { box-sizing: border-box; }
  body { font: 16px/1.5 system-ui, sans-serif; margin: 0; color: #111; background: #f4f6f8; min-height: 100vh; display: flex; flex-direction: column; }
  header { padding: .6rem 1rem; background: #0b5394; color: #fff; display: flex; justify-content: space-between; align-items: center; }
  h1 { font-size: 1.1rem; margin: 0; }
  main { flex: 1; display: flex; flex-direction: column; gap: .75rem; padding: .75rem; max-width: 72rem; width: 100%; margin: 0 auto; }
  #status { margin: 0; min-height: 1.5em; }
  #stage { display: grid; grid-template-columns: 1fr; gap: .5rem; }
  @media (min-width: 48rem) { #stage { grid-template-columns: 2fr 1fr; } main.call { flex-direction: row; flex-wrap: wrap; } }
  #videos { position: relative; background: #222; border-radius: .6rem; overflow: hidden; min-height: 14rem; }
  #remotes { display: grid; gap: 2px; grid-template-columns: repeat(auto-fit, minmax(12rem, 1fr)); height: 100%; }
  #remotes video { width: 100%; height: 100%; min-height: 14rem; object-fit: cover; background: #333; }
  #local { position: absolute; right: .5rem; bottom: .5rem; width: 28%; max-width: 10rem; border-radius: .4rem; border: 2px solid #fff; background: #000; }
  #waiting { color: #fff; position: absolute; inset: 0; display: flex; align-items: center; justify-content: center; text-align: center; padding: 1rem; }
  .audio-only #local, .audio-only #remotes video { display: none; }
  .chat-only #videos, .chat-only #controls { display: none; }
  #controls { display: flex; gap: .5rem; flex-wrap: wrap; }
  button { font: inherit; padding: .6rem 1rem; border-radius: .5rem; border: 1px solid #0b5394; background: #fff; color: #0b5394; cursor: pointer; min-height: 2.75rem; }
  button[aria-pressed="true"] { background: #0b5394; color: #fff; }
  button.danger { border-color: #a61c00; color: #fff; background: #a61c00; }
  button:focus, input:focus { outline: 3px solid #f1c232; }
  #chat { display: flex; flex-direction: column; background: #fff; border-radius: .6rem; padding: .5rem; min-height: 12rem; }
  #lines { flex: 1; list-style: none; margin: 0; padding: 0; overflow-y: auto; max-height: 40vh; }
  #lines li { margin: .25rem 0; padding: .35rem .6rem; border-radius: .5rem; background: #eef3f8; white-space: pre-wrap; }
  #lines li.me { background: #d9ead3; }
  #chatform { display: flex; gap: .4rem; margin-top: .4rem; }
  #chatform input { flex: 1; font: inherit; padding: .5rem; min-width: 0; }
  #check { background: #fff; border-radius: .6rem; padding: 1rem; }
  #meter { height: .6rem; background: #ddd; border-radius: .3rem; overflow: hidden; }
  #meter div { height: 100%; width: 0; background: #38761d; }
  #rec { background: #c00; color: #fff; font-weight: 700; padding: .2rem .6rem; border-radius: 1rem; margin-left: auto; margin-right: .75rem; }
  #consentrow { display: flex; gap: .5rem; align-items: flex-start; }
  #consentrow input { width: 1.25rem; height: 1.25rem; margin-top: .2rem; }
  [hidden] { display: none !important; }
</style>
</head>
<body>
<header><h1>HealthLink visit</h1><span id="rec" role="status" aria-label="This visit is being recorded" hidden>● Recording</span><span id="who"></span></header>
<main>
  <p id="status" role="status" aria-live="polite">Opening your visit…</p>
  <section id="check" hidden aria-label="Camera and microphone check">
    <p>Check your camera and microphone, then join.</p>
    <video id="preview" autoplay playsinline muted style="width:100%;max-width:20rem;border-radius:.4rem;background:#000"></video>
    <p>Microphone level</p>
    <div id="meter" role="meter" aria-label="Microphone level" aria-valuemin="0" aria-valuemax="100" aria-valuenow="0"><div></div></div>
    <p id="consentrow"><input type="checkbox" id="consent"><label for="consent">I agree that this visit is recorded and transcribed to help write my visit note. It is recorded only if both of us agree.</label></p>
    <p><button id="enter" type="button">Join the visit</button></p>
  </section>
  <section id="stage" hidden>
    <div id="videos">
      <div id="remotes"></div>
      <video id="local" autoplay playsinline muted aria-label="Your camera"></video>
      <div id="waiting">Waiting for the other person to join…</div>
    </div>
    <div id="chat" aria-label="Chat">
      <ol id="lines" aria-live="polite"></ol>
      <form id="chatform">
        <label for="text" style="position:absolute;left:-9999px">Message</label>
        <input id="text" autocomplete="off" maxlength="2000" placeholder="Type a message" required>
        <button type="submit">Send</button>
      </form>
    </div>
  </section>
  <div id="controls" hidden>
    <button id="mute" type="button" aria-pressed="false">Mute</button>
    <button id="camera" type="button" aria-pressed="false">Camera off</button>
    <button id="leave" type="button" class="danger">Leave</button>
  </div>
</main>
<script>
(function () {
  "use strict";
  var token = decodeURIComponent(location.pathname.split("/").pop() || "");
  var $ = function (id) { return document.getElementById(id); };
  var statusEl = $("status");
  var state = { visit: null, stream: null, ws: null, me: null, peers: {}, left: false, consented: false };
  window.healthlinkVisit = state;
  function say(text) { statusEl.textContent = text; }

  function fail(code, details) {
    var m = {
      VISIT_NOT_OPEN: "This visit is not open yet." + (details && details.opens_at ? " It opens at " + new Date(details.opens_at).toLocaleString() + "." : ""),
      PAYMENT_REQUIRED: "This appointment must be paid before the visit.",
      APPOINTMENT_CANCELLED: "This appointment was cancelled.",
      VISIT_ENDED: "This visit has ended.",
      NOT_FOUND: "This link is not valid any more."
    };
    say(m[code] || "The visit could not be opened. Please try again later.");
  }

  fetch("/api/visit/join", { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify({ token: token }) })
    .then(function (r) { return r.json().then(function (b) { return { ok: r.ok, body: b }; }); })
    .then(function (res) {
      if (!res.ok) return fail(res.body.error && res.body.error.code, res.body.error && res.body.error.details);
      state.visit = res.body.visit;
      showRecording(state.visit.recording);
      $("who").textContent = state.visit.role === "doctor" ? "Doctor" : state.visit.role === "nurse" ? "Nurse" : "Patient";
      if (state.visit.provider !== "webrtc") return say("This visit uses another video service; open it from the HealthLink app.");
      if (state.visit.mode === "chat") { document.body.className = "chat-only"; return enter(); }
      if (state.visit.mode === "audio") document.body.className = "audio-only";
      return check();
    })
    .catch(function () { say("The visit could not be opened. Check your connection and reload."); });

  function check() {
    var video = state.visit.mode === "video";
    say("Allow your " + (video ? "camera and microphone" : "microphone") + ".");
    navigator.mediaDevices.getUserMedia({ audio: true, video: video ? { facingMode: "user" } : false })
      .then(function (stream) {
        state.stream = stream;
        $("preview").srcObject = stream;
        if (!video) $("preview").hidden = true;
        meter(stream);
        $("check").hidden = false;
        say("Your " + (video ? "camera and microphone work" : "microphone works") + ".");
        $("enter").focus();
      })
      .catch(function () { say("No " + (video ? "camera or microphone" : "microphone") + " is available. Allow access in your browser and reload."); });
  }

  function meter(stream) {
    try {
      var ctx = new (window.AudioContext || window.webkitAudioContext)();
      var analyser = ctx.createAnalyser();
      ctx.createMediaStreamSource(stream).connect(analyser);
      var data = new Uint8Array(analyser.frequencyBinCount);
      (function tick() {
        analyser.getByteFrequencyData(data);
        var sum = 0; for (var i = 0; i < data.length; i++) sum += data[i];
        var level = Math.min(100, Math.round(sum / data.length));
        $("meter").firstChild.style.width = level + "%";
        $("meter").setAttribute("aria-valuenow", String(level));
        if (!state.left) requestAnimationFrame(tick);
      })();
    } catch (e) { /* no Web Audio: the level is not shown */ }
  }

  $("enter").addEventListener("click", enter);

  // While the visit records (both consented), each page records its own microphone (its own track: no
  // diarization needed) and uploads it when the person leaves, with the time it began.
  function showRecording(on) {
    if (!on) return;
    $("rec").hidden = false;
    state.recordingOn = true;
    record();
  }

  function record() {
    if (!state.recordingOn || !state.entered || state.recorder || !state.stream || !window.MediaRecorder) return;
    var tracks = state.stream.getAudioTracks();
    if (tracks.length === 0) return;
    var type = ["audio/webm;codecs=opus", "audio/webm", "audio/ogg;codecs=opus"].filter(function (t) { return MediaRecorder.isTypeSupported(t); })[0];
    try {
      var rec = new MediaRecorder(new MediaStream(tracks), type ? { mimeType: type } : undefined);
      state.recorder = rec;
      state.chunks = [];
      state.recordingStartedAt = new Date().toISOString();
      rec.ondataavailable = function (e) { if (e.data && e.data.size > 0) state.chunks.push(e.data); };
      rec.start(1000);
    } catch (e) { state.recorder = null; }
  }

  /** Stops this person's recording and uploads it; resolves either way (leaving never waits on a failure). */
  function finishRecording() {
    var rec = state.recorder;
    if (!rec || rec.state === "inactive") return Promise.resolve();
    return new Promise(function (resolve) {
      rec.onstop = function () {
        var blob = new Blob(state.chunks, { type: rec.mimeType || "audio/webm" });
        if (blob.size === 0) return resolve();
        var form = new FormData();
        form.append("token", token);
        form.append("visit_id", String(state.visit.id));
        form.append("started_at", state.recordingStartedAt);
        form.append("file", blob, "visit.webm");
        fetch("/api/visit/audio", { method: "POST", body: form }).catch(function () {}).then(function () { resolve(); });
      };
      rec.stop();
    });
  }

  function enter() {
    if ($("consent").checked && !state.consented) {
      // Consent is given at join: the same join again, with this person's consent (stored with its time and version).
      state.consented = true;
      fetch("/api/visit/join", { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify({ token: token, recording_consent: true }) })
        .then(function (r) { return r.ok ? r.json() : null; })
        .then(function (b) { if (b) { state.visit = b.visit; showRecording(b.visit.recording); } })
        .catch(function () {})
        .then(enter);
      return;
    }
    $("check").hidden = true;
    $("stage").hidden = false;
    if (state.visit.mode !== "chat") $("controls").hidden = false;
    if (state.visit.mode === "audio") { $("camera").hidden = true; $("waiting").textContent = "Audio call: waiting for the other person…"; }
    if (state.stream) $("local").srcObject = state.stream;
    state.entered = true;
    record();
    connect();
  }

  function connect() {
    var scheme = location.protocol === "https:" ? "wss://" : "ws://";
    var ws = new WebSocket(scheme + location.host + state.visit.signalling_path, ["visit.v1", state.visit.token]);
    state.ws = ws;
    ws.onmessage = function (e) { onFrame(JSON.parse(e.data)); };
    ws.onclose = function () { if (!state.left) say("The connection was lost. Reload to rejoin."); };
    say("Connecting…");
  }

  function send(frame) { if (state.ws && state.ws.readyState === 1) state.ws.send(JSON.stringify(frame)); }

  function onFrame(f) {
    if (f.type === "welcome") {
      state.me = f.id;
      showRecording(f.recording);
      if (f.peers.length === 0) say(state.visit.role === "patient" ? "Your doctor will join shortly." : "Waiting for the patient to join.");
      // The newcomer calls everyone already in the room.
      f.peers.forEach(function (p) { call(p.id, true); });
    } else if (f.type === "peer-joined") {
      say("Connecting to the " + f.role + "…");
    } else if (f.type === "peer-left") {
      hangup(f.id);
      if (Object.keys(state.peers).length === 0) { $("waiting").hidden = false; say("The " + f.role + " left the visit."); }
    } else if (f.type === "offer") {
      var pc = call(f.from, false);
      pc.setRemoteDescription(f.data)
        .then(function () { return pc.createAnswer(); })
        .then(function (a) { return pc.setLocalDescription(a); })
        .then(function () { send({ type: "answer", to: f.from, data: pc.localDescription }); });
    } else if (f.type === "answer") {
      var p = state.peers[f.from]; if (p) p.setRemoteDescription(f.data);
    } else if (f.type === "ice") {
      var q = state.peers[f.from]; if (q && f.data) q.addIceCandidate(f.data).catch(function () {});
    } else if (f.type === "chat") {
      var li = document.createElement("li");
      if (f.from === state.me) li.className = "me";
      li.textContent = (f.from === state.me ? "You" : f.role === "doctor" ? "Doctor" : f.role === "nurse" ? "Nurse" : "Patient") + ": " + f.text;
      $("lines").appendChild(li);
      $("lines").scrollTop = $("lines").scrollHeight;
    } else if (f.type === "recording") {
      showRecording(f.on);
    } else if (f.type === "error" && f.code === "ROOM_FULL") {
      say("This visit already has everyone in it.");
    }
  }

  function call(peerId, initiator) {
    if (state.peers[peerId]) return state.peers[peerId];
    var pc = new RTCPeerConnection({ iceServers: state.visit.ice_servers || [] });
    state.peers[peerId] = pc;
    if (state.stream) state.stream.getTracks().forEach(function (t) { pc.addTrack(t, state.stream); });
    pc.onicecandidate = function (e) { if (e.candidate) send({ type: "ice", to: peerId, data: e.candidate }); };
    pc.ontrack = function (e) {
      var v = document.getElementById("peer-" + peerId);
      if (!v) {
        v = document.createElement("video");
        v.id = "peer-" + peerId; v.autoplay = true; v.playsInline = true;
        $("remotes").appendChild(v);
      }
      v.srcObject = e.streams[0];
      $("waiting").hidden = true;
      say("You are in the visit.");
    };
    pc.onconnectionstatechange = function () { if (pc.connectionState === "connected") say("You are in the visit."); };
    if (initiator) {
      pc.createOffer()
        .then(function (o) { return pc.setLocalDescription(o); })
        .then(function () { send({ type: "offer", to: peerId, data: pc.localDescription }); });
    }
    return pc;
  }

  function hangup(peerId) {
    var pc = state.peers[peerId];
    if (pc) pc.close();
    delete state.peers[peerId];
    var v = document.getElementById("peer-" + peerId);
    if (v) v.remove();
  }

  $("chatform").addEventListener("submit", function (e) {
    e.preventDefault();
    var text = $("text").value.trim();
    if (text) send({ type: "chat", text: text });
    $("text").value = "";
  });

  function toggle(button, kind, offLabel, onLabel) {
    var on = button.getAttribute("aria-pressed") !== "true";
    button.setAttribute("aria-pressed", String(on));
    button.textContent = on ? onLabel : offLabel;
    if (state.stream) state.stream.getTracks().forEach(function (t) { if (t.kind === kind) t.enabled = !on; });
  }
  $("mute").addEventListener("click", function () { toggle($("mute"), "audio", "Mute", "Unmute"); });
  $("camera").addEventListener("click", function () { toggle($("camera"), "video", "Camera off", "Camera on"); });
  $("leave").addEventListener("click", function () {
    state.left = true;
    send({ type: "leave" });
    Object.keys(state.peers).forEach(hangup);
    if (state.ws) state.ws.close();
    $("stage").hidden = true; $("controls").hidden = true;
    say("You left the visit.");
    finishRecording().then(function () {
      if (state.stream) state.stream.getTracks().forEach(function (t) { t.stop(); });
      if (state.recorder) say("You left the visit. Your recording was sent.");
    });
  });
})();
</script>
</body>
</html>
`;
