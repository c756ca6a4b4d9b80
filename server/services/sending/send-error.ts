/** HTTP status that a controller responds with for each kind of rejected send request. */
export type SendErrorStatus = 400 | 403 | 404;

/** A send request that is rejected before anything is stored, such as a mailbox the user may not use. */
export class SendError extends Error {
  readonly status: SendErrorStatus;

  constructor(status: SendErrorStatus, message: string) {
    super(message);
    this.name = 'SendError';
    this.status = status;
  }
}
