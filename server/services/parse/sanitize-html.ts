import sanitizeHtml from 'sanitize-html';

export interface SanitizedHtml {
  html: string;
  /** True when remote images or styles were held back; a viewer may offer to load them. */
  hasRemoteContent: boolean;
}

const ALLOWED_TAGS = [
  ...sanitizeHtml.defaults.allowedTags,
  'img', 'span', 'font', 'center', 'hr', 'br', 'u', 's', 'strike', 'sub', 'sup', 'small', 'big',
];

/** `url(...)` with a remote target (http, https or protocol-relative), quoted or not. */
const REMOTE_CSS_URL = /url\(\s*['"]?\s*(?:https?:)?\/\/[^)]*\)/gi;

/** A quoted remote URL outside `url()`, which `image-set("https://...")` loads as well. */
const REMOTE_CSS_STRING = /(['"])\s*(?:https?:)?\/\/[^'"]*\1/gi;

/**
 * Replaces remote resources in an inline style with `none` (or an empty string inside
 * `image-set()`). Returns null when the style had none.
 *
 * NOTE: CSS escapes are not decoded, so an obfuscated `u\72l(http://...)` is not recognised.
 */
function withoutRemoteResources(style: string): string | null {
  const cleaned = style.replace(REMOTE_CSS_URL, 'none').replace(REMOTE_CSS_STRING, '""');
  return cleaned === style ? null : cleaned;
}

/**
 * Cleans an email's HTML before anyone can render it: scripts, event handlers, forms, frames and
 * `javascript:` links are removed, and remote images are held back behind `data-remote-src` so
 * that opening an email does not tell the sender it was read. Inline images keep their `cid:`
 * source; the viewer maps them to the attachment download route.
 */
export function sanitizeEmailHtml(html: string): SanitizedHtml {
  let hasRemoteContent = false;

  const cleaned = sanitizeHtml(html, {
    allowedTags: ALLOWED_TAGS,
    allowedAttributes: {
      '*': ['style', 'align', 'valign', 'width', 'height', 'bgcolor', 'color', 'dir', 'lang', 'title', 'class'],
      a: ['href', 'name', 'target', 'rel'],
      img: ['src', 'alt', 'data-remote-src'],
      font: ['face', 'size', 'color'],
      td: ['colspan', 'rowspan', 'nowrap'],
      th: ['colspan', 'rowspan', 'nowrap'],
      table: ['border', 'cellpadding', 'cellspacing'],
    },
    allowedSchemes: ['http', 'https', 'mailto', 'tel'],
    allowedSchemesByTag: { img: ['cid', 'data'] },
    allowProtocolRelative: false,
    disallowedTagsMode: 'discard',
    transformTags: {
      // Styles are checked here because sanitize-html has decoded the attribute's entities at this
      // point. Its output writes `url("http://...")` as `url(&quot;http://...&quot;)`.
      '*': (tagName, attribs) => {
        const style = attribs.style === undefined ? null : withoutRemoteResources(attribs.style);

        if (style === null) {
          return { tagName, attribs };
        }

        if (ALLOWED_TAGS.includes(tagName)) {
          hasRemoteContent = true;
        }

        return { tagName, attribs: { ...attribs, style } };
      },
      a: (tagName, attribs) => ({
        tagName,
        attribs: { ...attribs, target: '_blank', rel: 'noopener noreferrer nofollow' },
      }),
      img: (tagName, attribs) => {
        const source = (attribs.src ?? '').trim();

        if (/^(https?:)?\/\//i.test(source)) {
          hasRemoteContent = true;
          const { src: _remote, ...rest } = attribs;
          return { tagName, attribs: { ...rest, 'data-remote-src': source } };
        }

        return { tagName, attribs };
      },
    },
    exclusiveFilter: (frame) => frame.tag === 'img' && !frame.attribs.src && !frame.attribs['data-remote-src'],
  });

  return { html: cleaned, hasRemoteContent };
}
