import { test } from 'node:test'
import assert from 'node:assert/strict'
import { mapSvg, wrapText, textWidth } from './map.ts'

test('a map of one body is one box and no lines', () => {
  const svg = mapSvg([
    {
      id: 1,
      slug: 'herefordshire',
      name: 'Herefordshire Community Safety Partnership',
      type: 'community safety partnership',
      reports_to_id: null,
    },
  ])
  assert.equal([...svg.matchAll(/class="safer-map__body"/g)].length, 1)
  assert.equal([...svg.matchAll(/class="safer-map__line"/g)].length, 0)
  assert.match(svg, /A diagram of 1 body\./)
  assert.ok(Number(svg.match(/ width="(\d+)"/)![1]) < 400)
  assert.equal(mapSvg([]), '')
})

test('names wrap to fit their box, and a name too long for three lines ends in an ellipsis', () => {
  const lines = wrapText('Worcestershire Reducing Offending Strategy Group', 260, 15, true, 3)
  assert.deepEqual(lines, ['Worcestershire Reducing Offending', 'Strategy Group'])
  const long = wrapText('A very long name '.repeat(10), 260, 15, true, 3)
  assert.equal(long.length, 3)
  assert.match(long[2], /…$/)
  for (const l of long) assert.ok(textWidth(l, 15, true) <= 260)
})

test('the narrow map (for a phone) is 288 px wide, one body under another, each indented under the body it reports to', () => {
  const bodies = [
    { id: 1, slug: 'board', name: 'West Mercia Community Safety Strategy Board', type: 'board', reports_to_id: null },
    { id: 2, slug: 'csp-a', name: 'Herefordshire Community Safety Partnership', type: 'community safety partnership', reports_to_id: 1 },
    { id: 3, slug: 'csp-b', name: 'Shropshire Community Safety Partnership', type: 'community safety partnership', reports_to_id: 1 },
    { id: 4, slug: 'dv', name: 'Domestic Abuse Sub-group', type: 'sub-group', reports_to_id: 2 },
    { id: 5, slug: 'alone', name: 'Reducing Reoffending Board', type: 'board', reports_to_id: null },
  ]
  const svg = mapSvg(bodies, { layout: 'narrow', idPrefix: 'narrow-map' })
  assert.match(svg, /viewBox="0 0 288 \d+"/)
  assert.match(svg, /^<svg[^>]* width="288"/)
  assert.match(svg, /aria-labelledby="narrow-map-title narrow-map-desc"/)
  assert.match(svg, /A diagram of 5 bodies, with a line from each body to the body it reports to, which is shown above it/)

  const box = (slug: string) => {
    const m = new RegExp(
      `data-slug="${slug}"><title>[^<]*</title><rect x="([\\d.]+)" y="([\\d.]+)" width="([\\d.]+)" height="([\\d.]+)"`,
    ).exec(svg)
    assert.ok(m, `a box for ${slug}`)
    const [x, y, w, h] = m.slice(1).map(Number)
    return { x, y, w, h }
  }
  const [board, a, b, dv, alone] = ['board', 'csp-a', 'csp-b', 'dv', 'alone'].map(box)
  // In the order of the list: senior bodies by name, each followed by the bodies reporting to it (by name), to any depth.
  const order = [alone, board, a, dv, b]
  for (let i = 1; i < order.length; i++) assert.ok(order[i].y >= order[i - 1].y + order[i - 1].h, `box ${i} is below box ${i - 1}`)
  assert.equal(a.x, board.x + 18, 'a CSP is indented under the board')
  assert.equal(dv.x, a.x + 18, 'the sub-group is indented under its CSP')
  assert.equal(alone.x, board.x, 'another senior body is not indented')
  for (const r of [board, a, b, dv, alone]) assert.ok(r.x + r.w <= 288, 'every box fits the width')

  const lines = [...svg.matchAll(/class="safer-map__line" data-from="([^"]*)" data-to="([^"]*)"/g)].map((m) => `${m[1]}->${m[2]}`)
  assert.deepEqual(lines.sort(), ['csp-a->board', 'csp-b->board', 'dv->csp-a'])
  // Text at 13 px or more, so that shown at its own size it reads on a phone.
  const sizes = [...svg.matchAll(/font-size="([\d.]+)"/g)].map((m) => Number(m[1]))
  assert.ok(Math.min(...sizes) >= 13)
  // Long names wrap inside their boxes, at the narrow box's width.
  for (const [, line] of svg.matchAll(/<tspan[^>]*>([^<]*)<\/tspan>/g)) assert.ok(textWidth(line, 14, true) <= 288 - 2 - 2 * 10 - 6)
})
