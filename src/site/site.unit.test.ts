/** The site's pure pieces: colour contrast (WCAG 2.2), the statements' limited text format, and the logo check. */
import { test } from 'node:test'
import assert from 'node:assert/strict'
import { colourProblems, contrastRatio, parseColour } from './colour.ts'
import { renderText, safeHref } from './text.ts'
import { checkPng, checkSvg } from './logo.ts'
import { apiReference, whoMay } from './api-reference.ts'

test('contrast ratios match the published WCAG figures', () => {
  // WebAIM's contrast checker: #767676 on white is 4.54 to 1 (the lightest grey that passes AA), #777777 is 4.48 to 1.
  assert.equal(contrastRatio('#000000', '#ffffff'), 21)
  assert.equal(Math.round(contrastRatio('#767676', '#ffffff') * 100) / 100, 4.54)
  assert.equal(Math.round(contrastRatio('#777777', '#ffffff') * 100) / 100, 4.48)
  assert.equal(contrastRatio('#ffffff', '#ffffff'), 1)
  assert.equal(contrastRatio('#123456', '#abcdef'), contrastRatio('#abcdef', '#123456'))
})

test('colour codes are read in their usual forms and anything else is refused', () => {
  assert.equal(parseColour('#1D70B8'), '#1d70b8')
  assert.equal(parseColour('1d70b8'), '#1d70b8')
  assert.equal(parseColour('#17b'), '#1177bb')
  for (const bad of ['blue', '#12345', '#gggggg', 'red; background:url(x)', '', '#1d70b8ff']) assert.equal(parseColour(bad), undefined, bad)
})

test('colours whose contrast fails AA are refused with the ratio and what to do', () => {
  assert.deepEqual(colourProblems({ headerBackground: '#0b0c0c', headerText: '#ffffff', linkColour: '#1d70b8' }), {})
  const low = colourProblems({ headerBackground: '#777777', headerText: '#ffffff', linkColour: '#777777' })
  assert.match(low.headerText!, /contrast of 4\.4 to 1: it must be at least 4\.5 to 1/)
  assert.match(low.linkColour!, /Link colour #777777 on the white page has a contrast of 4\.4 to 1/)
  // #767676 passes on white (4.54 to 1) but not on the menu and footer's #f4f8fb (4.25 to 1, worked by hand from WCAG's formula).
  const pale = colourProblems({ headerBackground: '#0b0c0c', headerText: '#ffffff', linkColour: '#767676' })
  assert.match(
    pale.linkColour!,
    /Link colour #767676 on the pale background of the menu and footer \(#f4f8fb\) has a contrast of 4\.2 to 1/,
  )
  const bad = colourProblems({ headerBackground: 'navy', headerText: '', linkColour: '#1d70b8' })
  assert.match(bad.headerBackground!, /must be a colour code like #1d70b8/)
  assert.equal(bad.headerText, 'Enter the header text colour, like #1d70b8')
})

test('statement text: headings, lists, bold and links become GOV.UK HTML; everything else is escaped', () => {
  const html = renderText(
    '## Who we are\n\nWe are <b>the council</b> & friends.\nSecond line.\n\n- one\n- **two**\n\n1. first\n2. [ICO](https://ico.org.uk/)\n\n### Small',
  )
  assert.match(html, /<h2 class="govuk-heading-m">Who we are<\/h2>/)
  assert.match(html, /<p class="govuk-body">We are &lt;b&gt;the council&lt;\/b&gt; &amp; friends\.<br>\nSecond line\.<\/p>/)
  assert.match(html, /<ul class="govuk-list govuk-list--bullet"><li>one<\/li><li><strong>two<\/strong><\/li><\/ul>/)
  assert.match(
    html,
    /<ol class="govuk-list govuk-list--number"><li>first<\/li><li><a class="govuk-link" href="https:\/\/ico\.org\.uk\/">ICO<\/a><\/li><\/ol>/,
  )
  assert.match(html, /<h3 class="govuk-heading-s">Small<\/h3>/)
})

test('statement text cannot carry markup or script: tags are shown as typed and unsafe links lose their address', () => {
  const html = renderText(
    '<script>alert(1)</script>\n\n[click](javascript:alert(1)) [x](data:text/html,hi) [y](//evil.example) [ok](/cookies) [mail](mailto:a@b.gov.uk)\n\n[a"onmouseover="x](https://e.org/"onmouseover=")',
  )
  assert.doesNotMatch(html, /<script/)
  assert.match(html, /&lt;script&gt;alert\(1\)&lt;\/script&gt;/)
  assert.doesNotMatch(html, /href="javascript|href="data|href="\/\/evil/)
  assert.match(
    html,
    /click\) x y <a class="govuk-link" href="\/cookies">ok<\/a> <a class="govuk-link" href="mailto:a@b\.gov\.uk">mail<\/a>/,
  )
  assert.doesNotMatch(html, /" ?onmouseover="/)
  assert.equal(safeHref('JAVASCRIPT:alert(1)'), undefined)
  assert.equal(safeHref('/\\evil.example'), undefined)
})

const svg = (body: string, attrs = '') =>
  Buffer.from(
    `<?xml version="1.0"?>\n<!-- made by hand -->\n<svg xmlns="http://www.w3.org/2000/svg" width="120" height="40"${attrs}>${body}</svg>`,
  )

test('an SVG logo that only draws is kept, without its comments, with its size', () => {
  const r = checkSvg(
    svg(
      '<title>Council</title><defs><linearGradient id="g"><stop offset="0" stop-color="#fff"/></linearGradient></defs><style>.a{fill:#123}</style><rect class="a" width="10" height="10" fill="url(#g)"/><use href="#g"/><path d="M0 0L10 10" style="stroke:#000"/>',
    ),
  )
  assert.equal(r.ok, true)
  if (!r.ok) return
  assert.equal(r.contentType, 'image/svg+xml')
  assert.equal(r.width, 120)
  assert.equal(r.height, 40)
  assert.doesNotMatch(r.content.toString(), /made by hand|<\?xml/)
})

test('an SVG logo that could run script or load anything is refused, saying what was found', () => {
  const cases: [Buffer, RegExp][] = [
    [svg('<script>alert(1)</script>'), /contains a script/],
    [svg('<SCRIPT>alert(1)</SCRIPT>'), /contains a script/],
    [svg('<rect width="1" height="1"/>', ' onload="alert(1)"'), /event handler \(onload\)/],
    [svg('<rect width="1" height="1" ONCLICK="x()"/>'), /event handler/],
    [svg('<foreignObject><div xmlns="http://www.w3.org/1999/xhtml">hi</div></foreignObject>'), /foreignObject/],
    [svg('<use href="https://evil.example/x.svg#a"/>'), /link to another address/],
    [svg('<use xlink:href="javascript:alert(1)"/>'), /link to another address/],
    [svg('<a href="#x"><rect/></a>'), /contains a link/],
    [svg('<image href="#x"/>'), /another image/],
    [svg('<set attributeName="href" to="javascript:alert(1)"/>'), /animation/],
    [svg('<rect fill="url(https://evil.example/a)"/>'), /reference to another file/],
    [svg('<rect style="fill:url(&#104;ttps://evil.example)"/>'), /loads another file/],
    [svg('<style>@import url(https://evil.example/a.css);</style>'), /@import/],
    [svg('<style>@\\69mport "https://evil.example/a.css";</style>'), /@import/],
    [svg('<style>rect{background:url(https://evil.example/a.png)}</style>'), /loads another file/],
    [Buffer.from('<!DOCTYPE svg [<!ENTITY x "y">]><svg xmlns="http://www.w3.org/2000/svg">&x;</svg>'), /DOCTYPE or entity/],
    [svg('<iframe src="https://evil.example"/>'), /a frame/],
    [svg('<div>hi</div>'), /not part of a drawing/],
  ]
  for (const [data, message] of cases) {
    const r = checkSvg(data)
    assert.equal(r.ok, false, data.toString())
    if (!r.ok) {
      assert.match(r.message, message, data.toString())
      assert.match(r.message, /^The selected file contains .*Save the logo as a plain SVG or as a PNG image/)
    }
  }
  const notSvg = checkSvg(Buffer.from('<html><body></body></html>'))
  assert.equal(notSvg.ok, false)
})

function png(width: number, height: number) {
  const b = Buffer.alloc(33)
  Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]).copy(b, 0)
  b.writeUInt32BE(13, 8)
  b.write('IHDR', 12, 'latin1')
  b.writeUInt32BE(width, 16)
  b.writeUInt32BE(height, 20)
  return b
}

test('a PNG logo is read for its size, and one too large in pixels or not a PNG is refused', () => {
  const ok = checkPng(png(300, 80))
  assert.equal(ok.ok, true)
  if (ok.ok) assert.deepEqual([ok.width, ok.height], [300, 80])
  const huge = checkPng(png(10000, 80))
  assert.equal(huge.ok, false)
  if (!huge.ok) assert.match(huge.message, /10000 by 80 pixels: a logo must be at most 4000 pixels each way/)
  const fake = checkPng(Buffer.from('not a png at all, really not'))
  assert.equal(fake.ok, false)
})

test('the API reference groups operations by tag, with parameters, body fields and who may call each', () => {
  const doc = {
    paths: {
      '/api/v1/things/{id}': {
        get: {
          tags: ['things'],
          summary: 'One thing',
          parameters: [{ name: 'id', in: 'path', required: true, schema: { type: 'integer' } }],
        },
        put: {
          tags: ['things'],
          summary: 'Change a thing',
          requestBody: {
            content: {
              'application/json': {
                schema: {
                  type: 'object',
                  required: ['name'],
                  properties: {
                    name: { type: 'string', title: 'Name' },
                    parentId: { anyOf: [{ type: 'integer' }, { enum: [null] }], title: 'Parent' },
                    kind: { anyOf: [{ const: 'a' }, { const: 'b' }], title: 'Kind' },
                  },
                },
              },
            },
          },
        },
      },
      '/api/v1/areas': { get: { tags: ['areas'], summary: 'Areas' } },
    },
  }
  const groups = apiReference(doc, [
    { method: 'GET', url: '/api/v1/things/:id', access: 'public' },
    { method: 'PUT', url: '/api/v1/things/:id', access: 'site-admin' },
    { method: 'GET', url: '/api/v1/areas', access: { partnership: 'editor' } },
  ])
  assert.deepEqual(
    groups.map((g) => [g.name, g.operations.map((o) => `${o.method} ${o.path}: ${o.who}`)]),
    [
      ['Areas', ['GET /api/v1/areas: Editors and admins of the partnership, and site administrators']],
      ['Things', ['GET /api/v1/things/{id}: Anyone (no token needed)', 'PUT /api/v1/things/{id}: Site administrators only']],
    ],
  )
  const [get, put] = groups[1].operations
  assert.deepEqual(get.parameters, [{ name: 'id', in: 'in the address', required: true, type: 'integer', description: '' }])
  assert.deepEqual(put.body, [
    { name: 'name', in: 'body', required: true, type: 'string', description: 'Name' },
    { name: 'parentId', in: 'body', required: false, type: 'integer or null', description: 'Parent' },
    { name: 'kind', in: 'body', required: false, type: 'one of: a, b', description: 'Kind' },
  ])
  assert.equal(whoMay(undefined), 'Not stated')
})
