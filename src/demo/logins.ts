/** The demo's accounts: one per role. Shown by `safer demo` and on the sign-in page in demo mode only. */
export const DEMO_LOGINS = {
  password: 'safer-demo-2026',
  accounts: [
    {
      email: 'site.admin@demo.safer.test',
      name: 'Sam Patel',
      role: null,
      siteAdmin: true,
      organisation: null,
      description: 'Site administrator (every partnership)',
    },
    {
      email: 'manager@demo.safer.test',
      name: 'Alex Morgan',
      role: 'admin',
      siteAdmin: false,
      organisation: 'Hampshire County Council',
      description: 'Hampshire: administrator (partnership manager)',
    },
    {
      email: 'analyst@demo.safer.test',
      name: 'Jo Williams',
      role: 'editor',
      siteAdmin: false,
      organisation: 'Hampshire County Council',
      description: 'Hampshire: editor (analyst)',
    },
    {
      email: 'police.lead@demo.safer.test',
      name: 'Chris Evans',
      role: 'contributor',
      siteAdmin: false,
      organisation: 'Hampshire Constabulary',
      description: 'Hampshire: contributor (police partner lead)',
    },
    {
      email: 'councillor@demo.safer.test',
      name: 'Pat Taylor',
      role: 'viewer',
      siteAdmin: false,
      organisation: 'Hampshire County Council',
      description: 'Hampshire: viewer (councillor)',
    },
  ],
} as const
