/** The staff app: started for the tenant of the address (see shared/boot). */
import "../../shared/styles.css";
import "./staff.css";
import { start } from "../../shared/boot";
import { StoredValue } from "../../shared/store";
import { App } from "./App";
import { unlockSound } from "./board/sound";

// Browsers let a page make sound only after a tap: the first tap anywhere unlocks the boards' chime.
document.addEventListener("pointerdown", unlockSound, { once: true });

void start("staff", ({ tenantId, config, api, sessions, tenant }) => {
  document.title = `${tenant.name} · Personal`;
  const sound = new StoredValue<boolean>(`bembos.staff.${tenantId}.sound`, true);
  return <App app={{ tenantId, config, api, sessions, tenant, sound }} />;
});
