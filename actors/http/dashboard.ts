/** The local Mission Control page (placeholder until the dashboard issue lands: live JSON over SSE). */
export function renderDashboard(): string {
  return `<!doctype html><html><head><meta charset="utf-8"><title>dualbot</title></head><body>
<h1>dualbot</h1><pre id="s">connecting...</pre>
<script>const es=new EventSource('/events');es.addEventListener('snapshot',e=>{document.getElementById('s').textContent=JSON.stringify(JSON.parse(e.data),null,2)});</script>
</body></html>`;
}
