import Foundation

/// `report.html`: one self-contained page (no external files or requests) rendered from the
/// same `CampaignReport` as report.json. The run and the totals per oracle pair and severity are
/// rendered here; the bucket table is built in the browser from the embedded report JSON,
/// 500 rows at a time, sortable by status, severity, count and signature, filterable, and a
/// bucket's exemplar (every oracle's answer side by side, differing fields marked, the repro
/// line to copy) is rendered only when its row is opened. So a report with 10,000 findings in
/// thousands of buckets opens at once.
///
/// All text from the model goes through `escape` (server side) or `esc` (in the page).
/// For checks, the page sets `data-rendered-buckets` / `data-total-buckets` on <body> once the
/// table is drawn.
public enum HTMLReport {
    public static func escape(_ s: String) -> String {
        var out = ""
        out.reserveCapacity(s.utf8.count)
        for c in s.unicodeScalars {
            switch c {
            case "&": out += "&amp;"
            case "<": out += "&lt;"
            case ">": out += "&gt;"
            case "\"": out += "&quot;"
            case "'": out += "&#39;"
            default: out.unicodeScalars.append(c)
            }
        }
        return out
    }

    /// JSON that is safe inside <script>: `<`, `>`, `&` and U+2028/9 as \u escapes.
    static func scriptJSON(_ report: CampaignReport) -> String {
        let e = JSONEncoder()
        e.outputFormatting = [.sortedKeys]
        let text = (try? String(decoding: e.encode(report), as: UTF8.self)) ?? "{}"
        var out = ""
        out.reserveCapacity(text.utf8.count)
        for c in text.unicodeScalars {
            switch c {
            case "<": out += "\\u003c"
            case ">": out += "\\u003e"
            case "&": out += "\\u0026"
            case "\u{2028}": out += "\\u2028"
            case "\u{2029}": out += "\\u2029"
            default: out.unicodeScalars.append(c)
            }
        }
        return out
    }

    public static func render(_ r: CampaignReport) -> String {
        var h = "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">\n"
        h += "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n"
        h += "<title>difftest report \(escape(r.run.date))</title>\n<style>\(css)</style></head>\n"
        h += "<body data-total-buckets=\"\(r.buckets.count)\" data-total-findings=\"\(r.totals.findings)\">\n"
        h += "<h1>difftest report</h1>\n"
        h += runTable(r)
        h += totalsTable(r)
        h += """
            <h2>Buckets</h2>
            <div class="controls"><input id="filter" type="search" placeholder="filter: signature, bytes, oracle, status…" size="50">
            <span id="shown"></span></div>
            <table id="buckets"><thead><tr>
            <th data-key="status">status</th><th data-key="severity">severity</th><th data-key="count">count</th>
            <th data-key="signature">signature</th><th data-key="blame">blame / known bug</th><th>exemplar</th>
            </tr></thead><tbody></tbody></table>
            <button id="more" hidden>show more</button>
            <noscript><p>The bucket table needs JavaScript; report.json has the same data.</p></noscript>

            """
        h += "<script id=\"report-data\" type=\"application/json\">\(scriptJSON(r))</script>\n"
        h += "<script>\(script)</script>\n</body></html>\n"
        return h
    }

    static func runTable(_ r: CampaignReport) -> String {
        let u = r.run
        var rows: [(String, String)] = [
            ("tool", "\(u.tool) \(u.version)" + (u.commit.map { " (\($0.prefix(12)))" } ?? "")),
            ("date", u.date), ("source", u.source),
        ]
        if let s = u.seed { rows.append(("seed", String(s))) }
        if !u.generators.isEmpty { rows.append(("generators", u.generators.joined(separator: ", "))) }
        rows.append(("oracles", u.oracles.keys.sorted().map { "\($0) \(u.oracles[$0]!)" }.joined(separator: ", ")))
        var cpu = u.cpu.vendor
        if let f = u.cpu.family, let m = u.cpu.model { cpu += " family \(f) model \(m)" }
        if let n = u.cpu.name { cpu += " (\(n))" }
        rows.append(("cpu", cpu))
        if let m = u.mode { rows.append(("mode", "\(m)-bit \(u.vendor ?? "")")) }
        if let j = u.jobs { rows.append(("jobs, shard", "\(j), \(u.shard ?? "1/1")")) }
        if u.source == "campaign" {
            rows.append(("cases", "\(u.cases) in \(String(format: "%.1f", u.durationSeconds)) s (\(String(format: "%.0f", u.casesPerSecond)) cases/s)"))
        }
        if let p = r.previous { rows.append(("compared with", p)) }
        var h = "<table class=\"run\">"
        for (k, v) in rows { h += "<tr><th>\(escape(k))</th><td>\(escape(v))</td></tr>" }
        return h + "</table>\n"
    }

    static func totalsTable(_ r: CampaignReport) -> String {
        let t = r.totals
        var h = "<h2>Totals</h2>\n<p class=\"summary\">"
        h += "<span id=\"total-findings\">\(t.findings)</span> findings (<span id=\"total-unexplained\">\(t.unexplainedFindings)</span> unexplained, "
        h += "\(t.explainedFindings) known oracle bugs) in <span id=\"total-buckets\">\(t.buckets)</span> buckets: "
        h += "<span class=\"st-new\">\(t.newBuckets) new</span>, \(t.openBuckets) still open, <span class=\"st-fixed\">\(t.fixedBuckets) fixed</span></p>\n"
        h += "<table class=\"totals\"><tr><th>oracle pair</th>"
        for s in Severity.allCases { h += "<th>\(s.rawValue)</th>" }
        h += "<th>all</th></tr>\n"
        for pair in t.byPair.keys.sorted() {
            let row = t.byPair[pair]!
            h += "<tr><td>\(escape(pair))</td>"
            for s in Severity.allCases { h += "<td>\(row[s.rawValue] ?? 0)</td>" }
            h += "<td>\(row.values.reduce(0, +))</td></tr>\n"
        }
        h += "<tr class=\"sum\"><td>all</td>"
        for s in Severity.allCases { h += "<td>\(t.bySeverity[s.rawValue] ?? 0)</td>" }
        h += "<td>\(t.findings)</td></tr></table>\n"
        if !r.fixed.isEmpty {
            h += "<h2>Fixed since the previous report</h2>\n<ul class=\"fixed\">"
            for e in r.fixed { h += "<li><code>\(escape(e.id))</code> (was \(e.count)): <code>\(escape(e.repro))</code></li>" }
            h += "</ul>\n"
        }
        return h
    }

    static let css = """
        body{font:14px/1.4 system-ui,sans-serif;margin:1.5em;color:#222}h1{font-size:1.4em}h2{font-size:1.15em;margin-top:1.5em}
        table{border-collapse:collapse}th,td{border:1px solid #ccc;padding:2px 8px;text-align:left;vertical-align:top}
        table.run th{background:#f4f4f4}table.totals td{text-align:right}table.totals td:first-child{text-align:left}
        tr.sum td{font-weight:bold}#buckets{width:100%;margin-top:.5em}#buckets th[data-key]{cursor:pointer;background:#eef}
        #buckets tbody tr.b{cursor:pointer}#buckets tbody tr.b:hover{background:#f7f7ff}code,.hex{font-family:ui-monospace,monospace}
        .sev-control{color:#b00;font-weight:bold}.sev-operand{color:#a60}.sev-display{color:#666}
        .st-new{color:#b00;font-weight:bold}.st-fixed{color:#080}.known{color:#666}
        td.diff{background:#ffd7d7}td.primary{background:#ff9e9e;font-weight:bold}tr.detail>td{background:#fafafa}
        .repro{display:flex;gap:.5em;align-items:center;margin:.4em 0}.repro code{background:#eee;padding:2px 6px}
        .controls{margin:.5em 0}
        """

    static let script = #"""
        (function(){
        var R=JSON.parse(document.getElementById('report-data').textContent);
        var rows=R.buckets.slice(), shown=0, PAGE=500, sortKey=null, sortDir=1;
        var tbody=document.querySelector('#buckets tbody'), more=document.getElementById('more');
        var filter=document.getElementById('filter'), info=document.getElementById('shown');
        var rank={control:3,operand:2,display:1}, strank={new:3,open:2,fixed:1};
        function esc(s){return String(s==null?'-':s).replace(/[&<>"']/g,function(c){return{'&':'&amp;','<':'&lt;','>':'&gt;','"':'&quot;',"'":'&#39;'}[c];});}
        function key(b,k){if(k==='severity')return rank[b.severity];if(k==='status')return strank[b.status];if(k==='count')return b.count;
          if(k==='blame')return (b.knownBug||b.blame||'');return b.id;}
        function visible(){var q=filter.value.trim().toLowerCase();if(!q)return rows;
          return rows.filter(function(b){return (b.id+' '+b.status+' '+b.exemplar['case'].bytes+' '+(b.blame||'')+' '+(b.knownBug||'')).toLowerCase().indexOf(q)>=0;});}
        function row(b,i){var who=b.knownBug?'<span class="known">known: '+esc(b.knownBug)+'</span>':(b.blame?'blame: '+esc(b.blame):'-');
          return '<tr class="b" data-i="'+i+'"><td class="st-'+esc(b.status)+'">'+esc(b.status)+'</td><td class="sev-'+esc(b.severity)+'">'+esc(b.severity)+
          '</td><td>'+b.count+'</td><td><code>'+esc(b.id)+'</code></td><td>'+who+'</td><td class="hex">'+esc(b.exemplar['case'].bytes)+'</td></tr>';}
        function draw(reset){var v=visible();if(reset){tbody.innerHTML='';shown=0;}
          var end=Math.min(v.length,shown+PAGE),html='';for(var i=shown;i<end;i++)html+=row(v[i],i);
          tbody.insertAdjacentHTML('beforeend',html);shown=end;more.hidden=shown>=v.length;current=v;
          info.textContent='showing '+shown+' of '+v.length+' buckets';
          document.body.setAttribute('data-rendered-buckets',String(v.length));document.body.setAttribute('data-rendered-rows',String(shown));}
        var current=rows;
        function flat(a){var o={valid:a.valid,length:a.length,mnemonic:a.mnemonic,reason:a.reason};
          if(a.valid){o['operands.count']=(a.operands||[]).length;(a.operands||[]).forEach(function(op,n){
            ['kind','register','segment','base','index','scale','displacement','size','value','target'].forEach(function(p){
              if(op[p]!=null)o['operand['+n+'].'+p]=op[p];});});}
          return o;}
        function detail(b){var f=b.exemplar,ans=f.answers||{},names=Object.keys(ans).sort(function(x,y){return x==='project'?-1:y==='project'?1:x<y?-1:1;});
          var flats={},fields=[];names.forEach(function(n){flats[n]=flat(ans[n]);Object.keys(flats[n]).forEach(function(k){if(fields.indexOf(k)<0)fields.push(k);});});
          var differing={};(f.fields||[]).forEach(function(d){differing[d.field]=1;});
          var h='<div><b>exemplar</b> <code>'+esc(f['case'].bytes)+'</code> ('+f['case'].mode+'-bit '+esc(f['case'].vendor)+')';
          if(f['case'].origin)h+=' from '+esc(f['case'].origin.generator)+' seed '+esc(f['case'].origin.seed)+' index '+esc(f['case'].origin.index);
          if(b.original)h+='; minimized from <code>'+esc(b.original['case'].bytes)+'</code>';
          h+='</div><div class="repro">repro: <code>'+esc(b.repro)+'</code><button class="copy" data-text="'+esc(b.repro)+'">copy</button></div>';
          h+='<div>differs in: '+(f.fields||[]).map(function(d){return '<code>'+esc(d.field)+'</code>';}).join(', ')+'</div>';
          if(names.length){h+='<table class="answers"><tr><th>field</th>';names.forEach(function(n){h+='<th>'+esc(n)+'</th>';});h+='</tr>';
            fields.forEach(function(k){var cls=k===f.field?'primary':(differing[k]?'diff':'');h+='<tr><th>'+esc(k)+'</th>';
              names.forEach(function(n){h+='<td class="'+cls+'">'+esc(flats[n][k])+'</td>';});h+='</tr>';});h+='</table>';}
          else{h+='<div>'+Object.keys(f.values).map(function(n){return esc(n)+': '+esc(f.values[n]);}).join(', ')+'</div>';}
          return h;}
        tbody.addEventListener('click',function(e){var t=e.target;
          if(t.classList.contains('copy')){navigator.clipboard&&navigator.clipboard.writeText(t.getAttribute('data-text'));t.textContent='copied';return;}
          var tr=t.closest('tr.b');if(!tr)return;var next=tr.nextElementSibling;
          if(next&&next.classList.contains('detail')){next.remove();return;}
          var b=current[+tr.getAttribute('data-i')];tr.insertAdjacentHTML('afterend','<tr class="detail"><td colspan="6">'+detail(b)+'</td></tr>');});
        document.querySelectorAll('#buckets th[data-key]').forEach(function(th){th.addEventListener('click',function(){
          var k=th.getAttribute('data-key');sortDir=(sortKey===k)?-sortDir:(k==='signature'?1:-1);sortKey=k;
          rows.sort(function(a,b){var x=key(a,k),y=key(b,k);return x<y?-sortDir:x>y?sortDir:(a.id<b.id?-1:1);});draw(true);});});
        filter.addEventListener('input',function(){draw(true);});more.addEventListener('click',function(){draw(false);});
        draw(true);
        })();
        """#
}
