import { useState } from "react";
import { api, messageOf } from "../api";
import { useLoad } from "../hooks";
import { Show } from "../Status";
import type { TeamsLink } from "../types";

/** Doctors: link Microsoft Teams with a one-time code sent to the HealthLink bot. */
export function Teams() {
  const [loaded] = useLoad(() => api<{ teams: TeamsLink }>("GET", "/api/doctor/teams/"), []);
  const [code, setCode] = useState<{ code: string; expires_at: string }>();
  const [error, setError] = useState<string>();
  const getCode = async () => {
    setError(undefined);
    try {
      setCode(await api<{ code: string; expires_at: string }>("POST", "/api/doctor/teams/link-code"));
    } catch (err) {
      setError(messageOf(err));
    }
  };
  return (
    <section>
      <h1>Microsoft Teams</h1>
      <Show loaded={loaded}>
        {({ teams }) =>
          !teams.configured ? (
            <p>Microsoft Teams is not set up on this server.</p>
          ) : (
            <>
              <p>
                {teams.linked
                  ? `Your Teams account is linked (since ${teams.linked_at?.slice(0, 10) ?? ""}).`
                  : "Your Teams account is not linked yet."}{" "}
                In Teams, the HealthLink bot answers TODAY, NEXT, REQUESTS (with Accept and Reject buttons),
                ACCEPT, REJECT, PROPOSE and EARNINGS.
              </p>
              <button type="button" onClick={() => void getCode()}>
                Get a link code
              </button>
              <p role="status" className="notice">
                {code && (
                  <>
                    Send <strong className="code">{code.code}</strong> to the HealthLink bot in Teams before{" "}
                    {new Date(code.expires_at).toLocaleTimeString()}.
                  </>
                )}
              </p>
            </>
          )
        }
      </Show>
      {error && <p role="alert">{error}</p>}
    </section>
  );
}
