/**
 * One colour per police.uk crime type, the same on every chart and map that shows crime types, whichever types a
 * chart happens to hold (a colour never depends on what else is in the chart).
 *
 * The colours are Paul Tol's discrete rainbow for 14 colours (colours 3, 6, 9, 10, 12, 14, 15, 16, 17, 18, 20, 22,
 * 24 and 26 of his scheme; https://personal.sron.nl/~pault/#sec:qualitative), chosen to stay apart for people with
 * the common kinds of colour blindness. They are given out so that crime types next to each other in a stacked bar
 * (charts stack them in alphabetical order) are from different parts of the rainbow (no two neighbours both blue,
 * green or orange), and the two largest types in most places (violence and sexual offences, anti-social behaviour)
 * have dark colours. Colour is never the only way to read a chart: the same figures are in a table beside it.
 *
 * The types police.uk used before May 2013 ("Violent crime", "Public disorder and weapons") have colours of their
 * own, from the same scheme, because a period that spans May 2013 shows both them and their successors.
 */
export const CRIME_TYPE_COLOURS: Readonly<Record<string, string>> = {
  'Anti-social behaviour': '#1965B0',
  'Bicycle theft': '#F7F056',
  Burglary: '#DC050C',
  'Criminal damage and arson': '#90C987',
  Drugs: '#AE76A3',
  'Other crime': '#CAE0AB',
  'Other theft': '#5289C7',
  'Possession of weapons': '#F1932D',
  'Public order': '#4EB265',
  Robbery: '#D1BBD7',
  Shoplifting: '#F6C141',
  'Theft from the person': '#7BAFDE',
  'Vehicle crime': '#E8601C',
  'Violence and sexual offences': '#882E72',
  // Before May 2013
  'Violent crime': '#72190E',
  'Public disorder and weapons': '#777777',
}
