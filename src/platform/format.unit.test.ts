import { test } from 'node:test'
import assert from 'node:assert/strict'
import {
  capitalise,
  financialYear,
  formatDate,
  formatNumber,
  monthLabel,
  noun,
  periodLabel,
  plural,
  pluralNoun,
  pValueText,
  quarterLabel,
  shortMonthLabel,
  yearSpanLabel,
} from './format.ts'
import { escapeHtml, accessibleSvg } from './html.ts'

test('a count reads with its noun in the singular or the plural', () => {
  assert.equal(plural(21, 'county'), '21 counties')
  assert.equal(plural(1, 'county'), '1 county')
  assert.equal(plural(1, 'LSOA'), '1 LSOA')
  assert.equal(plural(2, 'LSOA'), '2 LSOAs')
  assert.equal(plural(1, 'force-month'), '1 force-month')
  assert.equal(plural(0, 'force-month'), '0 force-months')
  assert.equal(plural(7, 'body'), '7 bodies')
  assert.equal(plural(3, 'search'), '3 searches')
  assert.equal(plural(2, 'day'), '2 days')
  assert.equal(plural(12345, 'record'), '12,345 records')
  assert.equal(plural(4, 'person', 'people'), '4 people')
  assert.equal(pluralNoun('Police force area'), 'Police force areas')
  assert.equal(pluralNoun('County'), 'Counties')
  assert.equal(noun(1, 'priority'), 'priority')
  assert.equal(noun(5, 'priority'), 'priorities')
})

test('months read as "October 2018" or, where space is short, "Oct 2018"', () => {
  assert.equal(monthLabel('2018-10'), 'October 2018')
  assert.equal(monthLabel('2019-01-31'), 'January 2019')
  assert.equal(shortMonthLabel('2018-10'), 'Oct 2018')
  assert.equal(shortMonthLabel('2020-12'), 'Dec 2020')
  assert.throws(() => monthLabel('2018-13'), /Not a month: "2018-13"/)
})

test('a run of months reads "October 2018 to February 2019", and one month alone by its name', () => {
  assert.equal(periodLabel('2018-10', '2019-02'), 'October 2018 to February 2019')
  assert.equal(periodLabel('2018-10', '2019-02', { short: true }), 'Oct 2018 to Feb 2019')
  assert.equal(periodLabel('2018-10', '2018-10'), 'October 2018')
})

test('financial years run from April to March and quarters count from April', () => {
  assert.equal(financialYear('2019-04'), '2019/20')
  assert.equal(financialYear('2020-03-31'), '2019/20')
  assert.equal(financialYear(2019), '2019/20')
  assert.equal(financialYear(1999), '1999/00')
  assert.equal(quarterLabel('2020-04'), 'Q1 2020/21')
  assert.equal(quarterLabel('2020-07'), 'Q2 2020/21')
  assert.equal(quarterLabel('2020-09-30'), 'Q2 2020/21')
  assert.equal(quarterLabel('2020-12'), 'Q3 2020/21')
  assert.equal(quarterLabel('2021-01'), 'Q4 2020/21')
  assert.equal(quarterLabel('2021-03'), 'Q4 2020/21')
})

test('a period of dates reads as the years it covers', () => {
  assert.equal(yearSpanLabel('2020-04-01', '2023-03-31'), '2020–23')
  assert.equal(yearSpanLabel('2021-01-01', '2021-12-31'), '2021')
  assert.equal(yearSpanLabel('1998-04-01', '2001-03-31'), '1998–2001')
  assert.equal(yearSpanLabel('2020-04-01', null), 'from 2020')
  assert.equal(yearSpanLabel(null, '2023-03-31'), 'to 2023')
  assert.equal(yearSpanLabel(null, null), '')
})

test('numbers and dates read as people write them', () => {
  assert.equal(formatNumber(1234567), '1,234,567')
  assert.equal(formatNumber(2.345, 1), '2.3')
  assert.equal(formatNumber(null), '')
  assert.equal(formatNumber(''), '')
  assert.equal(formatDate('2026-12-02'), '2 December 2026')
  assert.equal(formatDate(null), '')
})

test('escapeHtml makes text safe in content and in attributes quoted either way', () => {
  assert.equal(escapeHtml(`<b class="x">Tom & Jerry's</b>`), '&lt;b class=&quot;x&quot;&gt;Tom &amp; Jerry&#39;s&lt;/b&gt;')
  assert.equal(escapeHtml(null), '')
  assert.equal(escapeHtml(42), '42')
})

test('accessibleSvg is one image named by its title and described by its desc', () => {
  const svg = accessibleSvg({
    id: 'm1',
    title: 'Map of <A & B>',
    desc: 'Shows "things"',
    width: 300,
    height: 200,
    className: 'c',
    body: '<rect/>',
  })
  assert.equal(
    svg,
    '<svg xmlns="http://www.w3.org/2000/svg" class="c" role="img" aria-labelledby="m1-title m1-desc" viewBox="0 0 300 200" width="300" height="200" focusable="false">' +
      '<title id="m1-title">Map of &lt;A &amp; B&gt;</title><desc id="m1-desc">Shows &quot;things&quot;</desc><rect/></svg>',
  )
  const scaled = accessibleSvg({
    id: 'c',
    title: 't',
    desc: 'd',
    viewBox: '0 0 10 5',
    displayWidth: '100%',
    attributes: { preserveAspectRatio: 'xMinYMin meet' },
    xmlns: false,
    body: '',
  })
  assert.equal(
    scaled,
    '<svg role="img" aria-labelledby="c-title c-desc" viewBox="0 0 10 5" width="100%" preserveAspectRatio="xMinYMin meet" focusable="false"><title id="c-title">t</title><desc id="c-desc">d</desc></svg>',
  )
})

test('capitalise puts the first letter in capitals and leaves the rest and the empty text alone', () => {
  assert.equal(capitalise('disabled'), 'Disabled')
  assert.equal(capitalise('community safety partnership'), 'Community safety partnership')
  assert.equal(capitalise('LSOA'), 'LSOA')
  assert.equal(capitalise(''), '')
})

test('a p-value reads as the pages write it: below 0.001 as such, three places below 0.01, two above', () => {
  assert.equal(pValueText(0.0004), 'p < 0.001')
  assert.equal(pValueText(0.001), 'p = 0.001')
  assert.equal(pValueText(0.0031), 'p = 0.003')
  assert.equal(pValueText(0.015625), 'p = 0.02')
  assert.equal(pValueText(0.41), 'p = 0.41')
  assert.equal(pValueText(1), 'p = 1.00')
})
