export const PLUGIN_ID = 'inbox';

/** Builds the uid of one of the plugin's content types, such as `plugin::inbox.email`. */
export function contentTypeUid<T extends string>(name: T): `plugin::inbox.${T}` {
  return `plugin::${PLUGIN_ID}.${name}`;
}

export const UIDS = {
  groupMailbox: contentTypeUid('group-mailbox'),
  personalMailbox: contentTypeUid('personal-mailbox'),
  email: contentTypeUid('email'),
  imapMessage: contentTypeUid('imap-message'),
  case: contentTypeUid('case'),
  caseStreamEntry: contentTypeUid('case-stream-entry'),
  follow: contentTypeUid('follow'),
  notification: contentTypeUid('notification'),
  flaggedAddress: contentTypeUid('flagged-address'),
  sendPermission: contentTypeUid('send-permission'),
  team: contentTypeUid('team'),
  filter: contentTypeUid('filter'),
  folderState: contentTypeUid('folder-state'),
  failedMessage: contentTypeUid('failed-message'),
  fetchRun: contentTypeUid('fetch-run'),
} as const;

export type MailboxKind = 'group' | 'personal';

export function mailboxUid(kind: MailboxKind) {
  return kind === 'group' ? UIDS.groupMailbox : UIDS.personalMailbox;
}
