/** The Public Document Pack: the schema of its settings form. */
import { Type, type Static } from '@sinclair/typebox'

const text = (title: string, maxLength: number, extra: Record<string, unknown> = {}) =>
  Type.Optional(Type.String({ title, maxLength, ...extra }))

/** What a council prints on every pack's notice of meeting (empty fields are left out of the notice). */
export const PackSettingsInput = Type.Object({
  chiefExecutive: text("Chief executive's name", 200),
  filmingNotice: text('Filming notice', 4000),
  enquiriesName: text('Enquiries to: name', 200),
  enquiriesTelephone: text('Enquiries to: telephone', 60, {
    pattern: '^[0-9 +()-]*$',
    errorMessage: 'Enter a telephone number using only digits, spaces, +, brackets and hyphens, like 0370 779 0507',
  }),
  enquiriesEmail: text('Enquiries to: email', 200, {
    pattern: '^$|^[^@\\s]+@[^@\\s]+\\.[^@\\s]+$',
    errorMessage: 'Enter an email address like members.services@hants.gov.uk',
  }),
  version: Type.Optional(Type.Integer({ title: 'Version' })),
})
export type PackSettingsInput = Static<typeof PackSettingsInput>

/** Which pack: the public one, the members' one (with exempt items), or the supplementary one (items added later). */
export const EDITIONS = ['public', 'members', 'supplementary'] as const
export type PackEdition = (typeof EDITIONS)[number]
