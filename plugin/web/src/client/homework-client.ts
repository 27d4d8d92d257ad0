// The one typed client of HomeworkService for every browser piece (the portal widget, the
// therapist panels). The transport decides how calls travel: over HTTP to the Connect listener
// (connect-transport.ts) or through the Janus plugin (janus-transport.ts); callers see the same
// generated request and response types either way.
import { createClient, type Client, type Transport } from "@connectrpc/connect";
import { HomeworkService } from "../gen/therapy/homework/v1/homework_service_pb.js";

/** A typed client of therapy.homework.v1.HomeworkService. */
export type HomeworkClient = Client<typeof HomeworkService>;

/** Makes the typed client over `transport`. Cheap; holds no connection of its own. */
export function createHomeworkClient(transport: Transport): HomeworkClient {
  return createClient(HomeworkService, transport);
}
