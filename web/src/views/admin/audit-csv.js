// The audit log's CSV comes a page at a time (GET /admin/audit with Accept: text/csv): each page
// starts with the header line and names the next one in `Link: <?cursor=...>; rel="next"`.
// Pure functions, so web/tests/admin-csv.test.mjs checks them without a browser.

/** The cursor of the next page named by a CSV answer's Link header, or null on the last page. */
export function nextCursorOf(link) {
  const match = /<\?cursor=([^>]+)>;\s*rel="next"/.exec(link || '');
  return match ? decodeURIComponent(match[1]) : null;
}

/** "text" followed by a page's rows: the first page whole, a later one without its header line. */
export function appendCsvPage(text, page, first) {
  if (first) return page;
  const newline = page.indexOf('\n');
  return newline < 0 ? text : text + page.slice(newline + 1);
}
