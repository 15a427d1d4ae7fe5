import { test } from 'node:test'
import assert from 'node:assert/strict'
import { comparePriorities, titleSimilarity, wordDiff } from './compare.ts'

// Titles from the draft County Agreement of October 2019 (seed 000) and its Autumn 2020 version (seed 003).
const DEMOGRAPHICS_2019 = 'The changing demographics of our communities and the importance of promoting inclusion and community cohesion'
const COHESION_2020 = 'Ensuring inclusion and cohesion in a changing society'
const ORGANISED_CRIME_2019 =
  "The threat of serious organised crime, especially related to the exploitation of children, including 'county lines' gangs"
const SERIOUS_VIOLENCE_2020 = 'The increase in serious violence including knife crime affecting young people'

test('a title that only lost a word is the same priority; a reworded one is similar; an unrelated one is not', () => {
  assert.equal(titleSimilarity('The continuing threat of radical extremism', 'The threat of radical extremism').score, 1)
  assert.ok(titleSimilarity(DEMOGRAPHICS_2019, COHESION_2020).score >= 0.6)
  assert.ok(titleSimilarity(ORGANISED_CRIME_2019, SERIOUS_VIOLENCE_2020).score < 0.6)
})

test('word differences mark removed and added words and ignore repeated spaces', () => {
  assert.deepEqual(wordDiff('The continuing threat of radical extremism', 'The threat of radical extremism'), [
    { type: 'same', text: 'The ' },
    { type: 'removed', text: 'continuing ' },
    { type: 'same', text: 'threat of radical extremism' },
  ])
  assert.deepEqual(wordDiff('same text', 'same  text'), [{ type: 'same', text: 'same text' }])
  assert.deepEqual(wordDiff('', 'new'), [{ type: 'added', text: 'new' }])
})

test('very different priorities are not paired, however few there are', () => {
  const mk = (id: number, lineage: number, number: number, title: string) => ({
    id,
    lineage_id: lineage,
    number,
    title,
    description: null,
    ownership_level: null,
    ownership_statement: null,
    leads: [],
  })
  const r = comparePriorities([mk(1, 1, 1, 'Burglary')], [mk(2, 2, 1, 'Anti-social behaviour')])
  assert.deepEqual(
    r.rows.map((x) => x.changes[0]),
    ['Removed', 'Added'],
  )
})
