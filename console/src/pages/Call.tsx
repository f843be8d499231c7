import { useEffect, useRef, useState } from "react";
import { api, messageOf } from "../api";

/** Whether the server can hand out browser calling tokens: asked once per page load. */
let capability: Promise<boolean> | undefined;
function browserCalling(): Promise<boolean> {
  capability ??= api<{ browser_calling: boolean }>("GET", "/api/voice/capabilities").then(
    (b) => b.browser_calling,
    () => {
      capability = undefined;
      return false;
    },
  );
  return capability;
}

/** The parts of @twilio/voice-sdk used here (loaded only when a call starts: it is not in the first load). */
interface CallLike {
  on(event: "accept" | "disconnect" | "cancel" | "reject", fn: () => void): void;
  on(event: "error", fn: (e: unknown) => void): void;
  disconnect(): void;
}
interface DeviceLike {
  connect(o: { params: Record<string, string> }): Promise<CallLike>;
  destroy(): void;
}

/**
 * Call the patient of an appointment from the browser (@twilio/voice-sdk with GET /api/voice/token), the same
 * path as the /voice/call page: Twilio asks our webhook whom to dial, so the patient's number never reaches
 * the page. Shown only when the server says browser calling is configured. Usable in any doctor screen.
 */
export function CallButton(props: { appointmentId: number; patientName: string }) {
  const [enabled, setEnabled] = useState(false);
  const [state, setState] = useState<"idle" | "connecting" | "ringing" | "connected">("idle");
  const [status, setStatus] = useState("");
  const [error, setError] = useState<string>();
  const device = useRef<DeviceLike | undefined>(undefined);
  const call = useRef<CallLike | undefined>(undefined);

  useEffect(() => {
    let live = true;
    void browserCalling().then((yes) => live && setEnabled(yes));
    return () => {
      live = false;
      call.current?.disconnect();
      device.current?.destroy();
    };
  }, []);

  if (!enabled) return null;

  const start = async () => {
    setError(undefined);
    setState("connecting");
    setStatus(`Calling ${props.patientName}…`);
    try {
      const { token } = await api<{ token: string }>("GET", "/api/voice/token");
      const { Device } = await import("@twilio/voice-sdk");
      device.current ??= new Device(token, { logLevel: "error" }) as unknown as DeviceLike;
      const c = await device.current.connect({ params: { appointment_id: String(props.appointmentId) } });
      call.current = c;
      setState("ringing");
      c.on("accept", () => {
        setState("connected");
        setStatus(`Connected with ${props.patientName}.`);
      });
      const ended = () => {
        call.current = undefined;
        setState("idle");
        setStatus("Call ended.");
      };
      c.on("disconnect", ended);
      c.on("cancel", ended);
      c.on("reject", ended);
      c.on("error", () => {
        call.current = undefined;
        setState("idle");
        setError("The call failed.");
      });
    } catch (err) {
      setState("idle");
      setStatus("");
      setError(messageOf(err));
    }
  };

  return (
    <div className="call">
      {state === "idle" ? (
        <button type="button" onClick={() => void start()}>
          Call <span className="sr">{props.patientName}</span>
        </button>
      ) : (
        <button type="button" className="secondary" onClick={() => call.current?.disconnect()}>
          Hang up <span className="sr">the call with {props.patientName}</span>
        </button>
      )}
      <span role="status" className="notice">
        {status}
      </span>
      {error && <p role="alert">{error}</p>}
    </div>
  );
}
