// Progressive enhancement only: every page works without this file.
import { initAll } from '/assets/govuk-frontend.min.js'
initAll()

// An import's page follows its progress (without JavaScript, the page has a Refresh button).
const progress = document.querySelector('[data-import-progress]')
if (progress) {
  const bar = progress.querySelector('progress')
  const status = progress.querySelector('[data-import-status]')
  let lastDone = -1
  const poll = async () => {
    try {
      const res = await fetch(progress.dataset.importProgress, { headers: { accept: 'application/json' }, credentials: 'same-origin' })
      const r = await res.json()
      if (r.status !== 'running' && r.status !== 'queued') {
        window.location.reload()
        return
      }
      const pct = r.bytesTotal ? Math.min(100, Math.round((r.bytesDone / r.bytesTotal) * 100)) : 0
      bar.value = pct
      bar.textContent = `${pct}%`
      const name = r.currentFile ? `. Now reading ${r.currentFile.split(/[\\/]/).pop()}` : ''
      const count = (n, one) => `${n.toLocaleString('en-GB')} ${n === 1 ? one : `${one}s`}`
      const text = `${r.filesDone.toLocaleString('en-GB')} of ${count(r.filesTotal, 'file')}, ${count(r.rowsKept, 'record')} saved${name}.`
      // Spoken only when a file finishes, not at every poll.
      if (r.filesDone !== lastDone) {
        status.textContent = text
        lastDone = r.filesDone
      }
    } catch {
      /* try again */
    }
    setTimeout(poll, 1500)
  }
  setTimeout(poll, 1500)
}

// A job's progress page (an agenda pack being made) follows the job: its address answers JSON with the status and
// how far it has got; when the job ends the page is loaded again, showing the download link or the error. Without
// JavaScript the page has a Refresh button.
const job = document.querySelector('[data-job-progress]')
if (job) {
  const bar = job.querySelector('progress')
  const status = job.querySelector('[data-job-status]')
  const poll = async () => {
    try {
      const res = await fetch(job.dataset.jobProgress, { headers: { accept: 'application/json' }, credentials: 'same-origin' })
      const r = await res.json()
      if (r.status !== 'running' && r.status !== 'queued') {
        window.location.reload()
        return
      }
      const pct = r.total ? Math.min(100, Math.round((r.done / r.total) * 100)) : 0
      bar.value = pct
      bar.textContent = `${pct}%`
      if (status.textContent !== `${r.text}.`) status.textContent = `${r.text}.`
    } catch {
      /* try again */
    }
    setTimeout(poll, 1500)
  }
  setTimeout(poll, 1500)
}
