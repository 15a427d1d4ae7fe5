/**
 * The statements' default text, filled in with the installation's name and the body it belongs to, until a site
 * administrator saves their own. The accessibility statement follows the GOV.UK model statement for public sector
 * bodies (https://www.gov.uk/government/publications/sample-accessibility-statement); its compliance status and its
 * preparation dates are fields of their own, shown under the text.
 */

export const STATEMENT_KINDS = ['accessibility', 'privacy', 'cookies'] as const
export type StatementKind = (typeof STATEMENT_KINDS)[number]

export const STATEMENT_TITLES: Record<StatementKind, string> = {
  accessibility: 'Accessibility statement',
  privacy: 'Privacy notice',
  cookies: 'Cookies',
}

/** How a sentence names each statement: "Change the cookies page". */
export const STATEMENT_NAMES: Record<StatementKind, string> = {
  accessibility: 'the accessibility statement',
  privacy: 'the privacy notice',
  cookies: 'the cookies page',
}

export const COMPLIANCE = {
  full: 'fully compliant',
  partial: 'partially compliant',
  none: 'not compliant',
} as const
export type Compliance = keyof typeof COMPLIANCE

export interface Names {
  /** The installation's name, e.g. "Hampshire Community Safety". */
  service: string
  /** The council or partnership that runs it, or the service's name when none is set. */
  organisation: string
  /** Where to write about the service, when set. */
  contactEmail?: string | null
}

const contact = (n: Names) => (n.contactEmail ? `email [${n.contactEmail}](mailto:${n.contactEmail})` : `contact ${n.organisation}`)

export function defaultStatement(kind: StatementKind, n: Names): string {
  switch (kind) {
    case 'accessibility':
      return `This accessibility statement applies to ${n.service}, run by ${n.organisation}.

We want as many people as possible to be able to use this website. For example, that means you should be able to:

- change colours, contrast levels and fonts using your browser or device settings
- zoom in up to 400% without the text spilling off the screen
- read every page on a phone 320 pixels wide without scrolling sideways
- navigate most of the website using just a keyboard or speech recognition software
- listen to most of the website using a screen reader
- read every chart and map as a table or list with the same information

We have also made the website text as simple as possible to understand.

## How accessible this website is

Some parts of this website may not be fully accessible:

- documents that partnerships upload (PDF, Word and Excel files) may not be accessible, because they are produced elsewhere
- the governance map is a diagram; its list of bodies carries the same information

## Feedback and contact information

If you need information on this website in a different format, like accessible PDF, large print, easy read, audio recording or braille, ${contact(n)}. We will consider your request and get back to you within 10 working days.

## Reporting accessibility problems with this website

We are always looking to improve the accessibility of this website. If you find any problems not listed on this page or think we are not meeting accessibility requirements, ${contact(n)}.

## Enforcement procedure

The Equality and Human Rights Commission (EHRC) is responsible for enforcing the Public Sector Bodies (Websites and Mobile Applications) (No. 2) Accessibility Regulations 2018 (the "accessibility regulations"). If you are not happy with how we respond to your complaint, [contact the Equality Advisory and Support Service (EASS)](https://www.equalityadvisoryservice.com/).

If you are in Northern Ireland and are not happy with how we respond to your complaint, you can contact the [Equality Commission for Northern Ireland](https://www.equalityni.org/Home), who are responsible for enforcing the accessibility regulations in Northern Ireland.

## Technical information about this website's accessibility

${n.organisation} is committed to making its website accessible, in accordance with the Public Sector Bodies (Websites and Mobile Applications) (No. 2) Accessibility Regulations 2018.

## Non-accessible content

The content listed below is non-accessible for the following reasons.

### Non-compliance with the accessibility regulations

- Documents uploaded by partnerships may not have headings, text alternatives or a reading order. We ask partnerships to upload accessible versions.

### Content that's not within the scope of the accessibility regulations

- PDFs or other documents published before 23 September 2018 that are not essential to providing our services.

## What we're doing to improve accessibility

Every page is checked with the axe accessibility engine, at 320 and 1280 pixels wide, each time the software changes.`
    case 'privacy':
      return `This privacy notice explains how ${n.organisation} uses personal information in ${n.service}.

## Who we are

${n.organisation} is the data controller for the personal information held in ${n.service}.

## What we hold and why

- **Accounts**: the name, email address and organisation of each person who signs in, and the roles they hold, so that they can sign in and do their work.
- **The record of changes**: who changed what and when, so that the partnership's records can be trusted and checked.
- **Public information about committees**: names of members and chairs of public bodies, as published in council papers.
- **Sign-in attempts**: the internet address of failed attempts, for a short time, to protect accounts from guessing.

We do not use your information for marketing, and we do not sell it.

## Crime data

The crime data shown is published by police.uk under the Open Government Licence. It is anonymised by the police before it is published: locations are approximate and no names are held.

## How long we keep it

Accounts are kept while they are in use. The record of changes is kept for as long as the records it describes.

## Your rights

You can ask to see the information we hold about you, to have it corrected, or to have it deleted where the law allows. To do so, ${contact(n)}.

If you are not happy with how we have used your information, you can complain to the [Information Commissioner's Office](https://ico.org.uk/make-a-complaint/).`
    case 'cookies':
      return `Cookies are small files saved on your phone, tablet or computer when you visit a website.

${n.service} puts only **essential cookies** on your device: they make the website work and keep it secure. We do not use analytics cookies, advertising cookies or any cookies from other websites, so we do not ask for your consent to cookies.

The cookies we set are listed below.`
  }
}
