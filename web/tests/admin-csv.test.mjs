// The audit log's CSV pages joined into one file (web/src/views/admin/audit-csv.js).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { appendCsvPage, nextCursorOf } from '../src/views/admin/audit-csv.js';

test('the next cursor is read from the Link header, none on the last page', () => {
  assert.equal(nextCursorOf('<?cursor=MTIz>; rel="next"'), 'MTIz');
  assert.equal(nextCursorOf('<?cursor=a%2Bb>; rel="next"'), 'a+b');
  assert.equal(nextCursorOf(null), null);
  assert.equal(nextCursorOf(''), null);
  assert.equal(nextCursorOf('<?cursor=x>; rel="prev"'), null);
});

test('pages join under one header line', () => {
  let text = appendCsvPage('', 'seq,action\r\n3,b\r\n', true);
  text = appendCsvPage(text, 'seq,action\r\n2,a\r\n', false);
  text = appendCsvPage(text, 'seq,action\r\n', false); // an empty last page
  assert.equal(text, 'seq,action\r\n3,b\r\n2,a\r\n');
  assert.equal(appendCsvPage('x\n', '', false), 'x\n');
});
