// The portal bundle (dist/portal.js): defines <homework-portal> (with <hw-completion-form> and
// <hw-suds-chart>) and exports the typed client so an embedding page can call the service too.
export { HomeworkPortal } from "../portal/homework-portal.js";
export { createHomeworkClient, type HomeworkClient } from "../client/homework-client.js";
export { connectTransport } from "../client/connect-transport.js";
export { toApiError } from "../client/errors.js";
export { SudsChart } from "../shared/suds-chart.js";
