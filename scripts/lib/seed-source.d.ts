/// <reference types="node" />

/**
 * Returns the raw messages stored at a path.
 * - A folder: its .eml files sorted by file name, each returned unchanged.
 * - A file ending in .eml: that one message, unchanged.
 * - Any other file: read as mbox. "From " lines separate messages, one ">" is removed from
 *   ">From " lines (mboxrd), and each message comes back with CRLF line endings.
 * Throws an Error when the path does not exist or contains no message.
 */
export function readSeedMessages(source: string): Buffer[];
