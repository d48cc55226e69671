/*
 * page.js: the interactive timeline of sockview --html (html.c builds it
 * into the page, after the trace's JSON).  One lane per process (or
 * thread), time to the right; calls are boxes, links are arrows.  All of it
 * is drawn on one canvas, and only what is in view: the calls come in time
 * order, so the ones in view are found by binary search (with a running
 * maximum of their ends, for long calls that began before the view), and at
 * most one tiny box per lane and pixel is drawn.
 *
 * Data from the trace is shown only through canvas text and textContent,
 * never as markup.  window.sockview holds what the tests read and drive.
 */
(function () {
	'use strict';

	var D = JSON.parse(document.getElementById('trace-data').textContent);
	var C = D.calls, L = D.links, N = C.t.length, NL = L.from.length;
	var LANE_H = 30, HEAD_W = 190, AXIS_H = 24, BOX_H = 18;
	var KIND = {
		connect: ['#1f6fb2', []], data: ['#2a8a2a', []], peek: ['#9a3fb0', [4, 3]],
		dgram: ['#2a8a2a', [6, 3]], eof: ['#b07800', [3, 3]], rst: ['#c62828', [3, 3]],
		plain: ['#00838f', [8, 2, 2, 2]]
	};
	var $ = function (id) { return document.getElementById(id); };
	var cv = $('cv'), ctx = cv.getContext('2d');

	/* ---- derived data ---- */
	var start = new Float64Array(N), end = new Float64Array(N), runMax = new Float64Array(N);
	var shown = new Uint8Array(N), hl = new Uint8Array(N), match = new Uint8Array(N);
	var lowText = null;	/* lower-cased call texts, made at the first search */
	var linksIn = [], linksOut = [];
	var laneRow = new Int32Array(D.lanes.length), nrows = 0;
	var v0 = 0, scale = 1, rowOff = 0;	/* view: left edge, px per unit, first row */
	var byOrder = false, selected = -1, hlConn = 0, matches = [], matchAt = -1;
	var W = 800, H = 200;

	for (var j = 0; j < NL; j++) {
		(linksIn[L.to[j]] = linksIn[L.to[j]] || []).push(j);
		(linksOut[L.from[j]] = linksOut[L.from[j]] || []).push(j);
	}

	function str(k) { return D.strs[k] || ''; }
	function secs(ns) { return (ns / 1e9).toFixed(6); }
	function dur(ns) {
		if (ns < 1e3) return ns + ' ns';
		if (ns < 1e6) return (ns / 1e3).toPrecision(3) + ' us';
		if (ns < 1e9) return (ns / 1e6).toPrecision(3) + ' ms';
		return (ns / 1e9).toPrecision(3) + ' s';
	}

	function placeX() {
		for (var i = 0; i < N; i++) {
			if (byOrder) {
				start[i] = i;
				end[i] = i + 0.7;
			} else {
				start[i] = C.t[i];
				end[i] = C.t[i] + Math.max(C.d[i], 0);
			}
			runMax[i] = i ? Math.max(runMax[i - 1], end[i]) : end[i];
		}
	}

	/* ---- filters ---- */
	function applyFilters() {
		var pid = $('f-proc').value, conn = $('f-conn').value, port = $('f-port').value;
		var p = pid === '' ? -1 : +pid, c = conn === '' ? -1 : +conn;
		var q = port === '' ? -1 : +port, n = 0, i, used = new Uint8Array(D.lanes.length);

		for (i = 0; i < N; i++) {
			var ok = (p < 0 || C.pid[i] === p) && (c < 0 || C.conn[i] === c) &&
				(q < 0 || (',' + C.ports[i] + ',').indexOf(',' + q + ',') >= 0);
			shown[i] = ok ? 1 : 0;
			if (ok) {
				n++;
				used[C.lane[i]] = 1;
			}
		}
		nrows = 0;
		for (i = 0; i < D.lanes.length; i++)
			laneRow[i] = used[i] || (p < 0 && c < 0 && q < 0) ? nrows++ : -1;
		rowOff = 0;
		$('summary').textContent = N + ' calls, ' + NL + ' arrows, ' + D.conns.length +
			' connections' + (n < N ? '; showing ' + n + ' calls' : '');
		cv.setAttribute('data-shown', String(n));
		search();
		resize();
	}

	/* ---- search ---- */
	function search() {
		var q = $('q').value.toLowerCase(), i;

		matches = [];
		matchAt = -1;
		match.fill(0);
		if (q) {
			if (!lowText)
				lowText = C.text.map(function (s) { return s.toLowerCase(); });
			for (i = 0; i < N; i++)
				if (shown[i] && lowText[i].indexOf(q) >= 0) {
					match[i] = 1;
					matches.push(i);
				}
		}
		$('q-count').textContent = q ? matches.length + ' found' : '';
	}

	function step(dir) {
		if (!matches.length)
			return;
		matchAt = (matchAt + dir + matches.length) % matches.length;
		$('q-count').textContent = (matchAt + 1) + ' of ' + matches.length;
		select(matches[matchAt], true);
	}

	/* ---- the view ---- */
	function X(u) { return HEAD_W + (u - v0) * scale; }
	function U(x) { return v0 + (x - HEAD_W) / scale; }
	function rowY(r) { return AXIS_H + (r - rowOff) * LANE_H; }

	function fit() {
		var lo = Infinity, hi = -Infinity;

		for (var i = 0; i < N; i++)
			if (shown[i]) {
				if (start[i] < lo) lo = start[i];
				if (end[i] > hi) hi = end[i];
			}
		if (lo === Infinity) {
			lo = 0;
			hi = 1;
		}
		span(lo, hi);
	}

	function span(lo, hi) {
		var w = Math.max(hi - lo, byOrder ? 1 : 1000);

		v0 = lo - w * 0.02;
		scale = (W - HEAD_W) / (w * 1.04);
		draw();
	}

	function zoom(f, x) {
		var u = U(x);

		scale = Math.min(Math.max(scale * f, 1e-12), byOrder ? 400 : 50);
		v0 = u - (x - HEAD_W) / scale;
		draw();
	}

	function resize() {
		var dpr = window.devicePixelRatio || 1;
		var rows = Math.min(nrows, Math.max(4, Math.floor((window.innerHeight * 0.75 - AXIS_H) / LANE_H)));

		W = Math.max(cv.parentNode.clientWidth, 300);
		H = AXIS_H + Math.max(rows, 1) * LANE_H + 6;
		cv.width = Math.round(W * dpr);
		cv.height = Math.round(H * dpr);
		cv.style.height = H + 'px';
		ctx.setTransform(dpr, 0, 0, dpr, 0, 0);
		fit();
	}

	/* The first index whose value is >= u (a sorted array). */
	function lowerBound(a, u) {
		var lo = 0, hi = N;

		while (lo < hi) {
			var mid = (lo + hi) >> 1;
			if (a[mid] < u) lo = mid + 1; else hi = mid;
		}
		return lo;
	}

	function callColor(i) {
		var n = str(C.name[i]);

		if (C.err[i] && str(C.err[i]) !== 'EINPROGRESS' && str(C.err[i]) !== 'EAGAIN')
			return '#f3b3b3';
		if (/^(connect|accept)/.test(n)) return '#b9d3f0';
		if (/^(send|write|sendto|sendmsg|writev|sendfile)/.test(n)) return '#bfe3bf';
		if (/^(recv|read)/.test(n)) return '#c4e6e6';
		if (/^(close|shutdown)/.test(n)) return '#f3d9a4';
		return '#e1e5ec';
	}

	function draw() {
		var u0 = U(HEAD_W), u1 = U(W), lo, hi, i, r, lastPx = new Int32Array(nrows).fill(-9);
		var drawn = 0;

		ctx.clearRect(0, 0, W, H);
		ctx.font = '11px "DejaVu Sans Mono", monospace';
		ctx.textBaseline = 'middle';
		/* lanes */
		for (i = 0; i < D.lanes.length; i++) {
			r = laneRow[i];
			if (r < rowOff || rowY(r) > H)
				continue;
			ctx.fillStyle = r % 2 ? '#fafbfd' : '#ffffff';
			ctx.fillRect(0, rowY(r), W, LANE_H);
			ctx.strokeStyle = '#9aa5b8';
			ctx.beginPath();
			ctx.moveTo(HEAD_W, rowY(r) + LANE_H / 2);
			ctx.lineTo(W, rowY(r) + LANE_H / 2);
			ctx.stroke();
		}
		/* calls in view */
		lo = lowerBound(runMax, u0);
		hi = lowerBound(start, u1 + 1e-9);
		for (i = lo; i < hi && i < N; i++) {
			if (!shown[i] || end[i] < u0)
				continue;
			r = laneRow[C.lane[i]];
			if (r < rowOff || rowY(r) > H)
				continue;
			var x0 = Math.max(X(start[i]), HEAD_W), x1 = Math.max(X(end[i]), x0 + 2);
			var y = rowY(r) + (LANE_H - BOX_H) / 2, px = x0 | 0, mark = i === selected || match[i] || hl[i];

			if (x1 - x0 < 3 && lastPx[r - rowOff] === px && !mark)
				continue;
			lastPx[r - rowOff] = px;
			ctx.fillStyle = callColor(i);
			ctx.fillRect(x0, y, x1 - x0, BOX_H);
			if (mark) {
				ctx.lineWidth = i === selected ? 2.5 : 1.5;
				ctx.strokeStyle = i === selected ? '#111' : match[i] ? '#d97706' : '#7c3aed';
				ctx.strokeRect(x0, y, x1 - x0, BOX_H);
				ctx.lineWidth = 1;
			}
			if (x1 - x0 > 46) {
				ctx.save();
				ctx.beginPath();
				ctx.rect(x0, y, x1 - x0 - 2, BOX_H);
				ctx.clip();
				ctx.fillStyle = '#1d2330';
				ctx.fillText(C.text[i], x0 + 3, y + BOX_H / 2);
				ctx.restore();
			}
			drawn++;
		}
		drawArrows(u0, u1);
		/* where a log ends early: a red bar after its last call, and why */
		for (i = 0; i < D.lanes.length; i++) {
			var ln = D.lanes[i], xe;
			r = laneRow[i];
			if (ln.ends === undefined || !shown[ln.ends_at] || r < rowOff || rowY(r) > H)
				continue;
			xe = Math.max(X(end[ln.ends_at]), X(start[ln.ends_at]) + 2) + 3;
			if (xe < HEAD_W || xe > W)
				continue;
			ctx.fillStyle = '#c62828';
			ctx.fillRect(xe, rowY(r) + 3, 3, LANE_H - 6);
			ctx.fillText(ln.ends, xe + 7, rowY(r) + LANE_H / 2);
		}
		/* lane names and the time axis over everything */
		ctx.fillStyle = '#f1f4f9';
		ctx.fillRect(0, 0, HEAD_W, H);
		ctx.fillRect(0, 0, W, AXIS_H);
		ctx.fillStyle = '#1d2330';
		ctx.font = 'bold 12px "DejaVu Sans", sans-serif';
		for (i = 0; i < D.lanes.length; i++) {
			r = laneRow[i];
			if (r < rowOff || rowY(r) > H)
				continue;
			ctx.save();
			ctx.beginPath();
			ctx.rect(0, rowY(r), HEAD_W - 6, LANE_H);
			ctx.clip();
			ctx.fillText(D.lanes[i].name, 6, rowY(r) + LANE_H / 2);
			ctx.restore();
		}
		drawAxis(u0, u1);
		cv.setAttribute('data-drawn', String(drawn));
	}

	function drawArrows(u0, u1) {
		var n = 0, busy = false;

		for (var j = 0; j < NL; j++) {
			var a = L.from[j], b = L.to[j];

			if (!shown[a] || !shown[b] || end[b] < u0 || start[a] > u1)
				continue;
			var ra = laneRow[C.lane[a]], rb = laneRow[C.lane[b]];
			if (ra < 0 || rb < 0)
				continue;
			var xa = X(start[a]) + 1, xb = X(end[b]) - 1;
			var ya = rowY(ra) + LANE_H / 2, yb = rowY(rb) + LANE_H / 2;
			var k = KIND[L.kind[j]] || KIND.data, on = hlConn && L.conn[j] === hlConn;

			if (ra === rb)
				yb += 0.01;
			ctx.strokeStyle = ctx.fillStyle = k[0];
			ctx.lineWidth = on ? 2.5 : 1.2;
			ctx.globalAlpha = hlConn && !on ? 0.25 : 1;
			ctx.setLineDash(k[1]);
			ctx.beginPath();
			if (ra === rb) {
				ctx.moveTo(xa, ya - 4);
				ctx.quadraticCurveTo((xa + xb) / 2, ya - LANE_H * 0.9, xb, yb - 4);
			} else {
				ctx.moveTo(xa, ya);
				ctx.lineTo(xb, yb);
			}
			ctx.stroke();
			ctx.setLineDash([]);
			var ang = ra === rb ? Math.PI / 2 : Math.atan2(yb - ya, xb - xa);
			var hy = ra === rb ? yb - 4 : yb;
			ctx.beginPath();
			ctx.moveTo(xb, hy);
			ctx.lineTo(xb - 7 * Math.cos(ang - 0.4), hy - 7 * Math.sin(ang - 0.4));
			ctx.lineTo(xb - 7 * Math.cos(ang + 0.4), hy - 7 * Math.sin(ang + 0.4));
			ctx.fill();
			if (!busy && Math.abs(xb - xa) > 90) {
				ctx.font = '10px "DejaVu Sans Mono", monospace';
				ctx.fillText(L.label[j].slice(0, Math.floor(Math.abs(xb - xa) / 7)),
					     Math.min(xa, xb) + 4, (ya + yb) / 2 - 6);
			}
			ctx.globalAlpha = 1;
			ctx.lineWidth = 1;
			if (++n > 400)
				busy = true;	/* too many to label */
		}
	}

	/* Ticks at least 110 px apart, on steps of 1, 2 or 5 times a power
	 * of ten (seconds, or calls in order). */
	function drawAxis(u0, u1) {
		var unit = byOrder ? 1 : 1e9, per = 110 / scale / unit, p10, stepv, t, x, d;

		p10 = Math.pow(10, Math.floor(Math.log10(per)));
		stepv = per <= p10 ? p10 : per <= 2 * p10 ? 2 * p10 : per <= 5 * p10 ? 5 * p10 : 10 * p10;
		d = Math.min(Math.max(0, -Math.floor(Math.log10(stepv) + 1e-9)), 9);
		ctx.strokeStyle = '#c8d0de';
		ctx.fillStyle = '#4a5568';
		ctx.font = '11px "DejaVu Sans", sans-serif';
		ctx.fillText(byOrder ? 'call #' : 't (s)', 6, AXIS_H / 2);
		for (t = Math.ceil(u0 / unit / stepv) * stepv; t <= u1 / unit; t += stepv) {
			x = X(t * unit);
			if (x < HEAD_W)
				continue;
			ctx.beginPath();
			ctx.moveTo(x, AXIS_H - 6);
			ctx.lineTo(x, H);
			ctx.globalAlpha = 0.35;
			ctx.stroke();
			ctx.globalAlpha = 1;
			ctx.fillText(byOrder ? String(Math.round(t)) : t.toFixed(d), x + 3, AXIS_H / 2);
		}
	}

	/* ---- details ---- */
	function row(tab, k, v) {
		var tr = document.createElement('tr'), th = document.createElement('th'), td = document.createElement('td');

		th.textContent = k;
		td.textContent = v;
		tr.appendChild(th);
		tr.appendChild(td);
		tab.appendChild(tr);
	}

	/* Eight bytes a line (the panel is narrow): offset, hex, ASCII. */
	function hexdump(hex) {
		var out = [], n = hex.length / 2, i, k;

		for (i = 0; i < n; i += 8) {
			var hx = '', asc = '';
			for (k = i; k < i + 8; k++) {
				if (k < n) {
					var b = parseInt(hex.substr(2 * k, 2), 16);
					hx += hex.substr(2 * k, 2) + ' ';
					asc += b >= 0x20 && b < 0x7f ? String.fromCharCode(b) : '.';
				} else {
					hx += '   ';
				}
			}
			out.push(('000' + i.toString(16)).slice(-4) + '  ' + hx + ' ' + asc);
		}
		return out.join('\n');
	}

	/* The kept payload bytes as text: printable ASCII as itself, the rest
	 * as \n, \r, \t, \\ or \xNN (shown with textContent all the same). */
	function printable(hex) {
		var s = '', k, b;

		for (k = 0; k < hex.length; k += 2) {
			b = parseInt(hex.substr(k, 2), 16);
			s += b === 10 ? '\\n' : b === 13 ? '\\r' : b === 9 ? '\\t' : b === 92 ? '\\\\' :
				b >= 0x20 && b < 0x7f ? String.fromCharCode(b) : '\\x' + hex.substr(k, 2);
		}
		return s;
	}

	function linkText(list, side) {
		return (list || []).map(function (j) {
			var o = side ? L.to[j] : L.from[j];
			return L.label[j] + (side ? ' -> ' : ' <- ') + C.text[o];
		}).join('\n');
	}

	function select(i, center) {
		var tab = $('d-rec'), hex = C.hex[i];

		selected = i;
		tab.textContent = '';
		$('d-hint').textContent = 'Call ' + (i + 1) + ' of ' + N;
		row(tab, 'call', C.text[i]);
		row(tab, 'start', secs(C.t[i]) + ' s (' + C.t[i] + ' ns after the first call)');
		row(tab, 'duration', dur(C.d[i]));
		row(tab, 'process', D.lanes[C.lane[i]].name + ' (pid ' + C.pid[i] + ', tid ' + C.tid[i] + ')');
		row(tab, 'name', str(C.name[i]));
		if (C.fd[i] >= 0) row(tab, 'fd', String(C.fd[i]));
		row(tab, 'result', String(C.ret[i]));
		if (C.err[i]) row(tab, 'errno', str(C.err[i]));
		if (C.proto[i]) row(tab, 'proto', D.protos[C.proto[i]] || '');
		if (C.local[i]) row(tab, 'local', str(C.local[i]));
		if (C.peer[i]) row(tab, 'peer', str(C.peer[i]));
		if (C.addr[i]) row(tab, 'address', str(C.addr[i]));
		if (C.bytes[i] >= 0) row(tab, 'bytes', String(C.bytes[i]));
		if (C.conn[i]) row(tab, 'connection', String(C.conn[i]));
		if (hex) row(tab, 'payload', printable(hex));
		if (linksIn[i]) row(tab, 'arrows in', linkText(linksIn[i], 0));
		if (linksOut[i]) row(tab, 'arrows out', linkText(linksOut[i], 1));
		$('d-hex').textContent = hex ? hexdump(hex) + (C.bytes[i] > hex.length / 2 ?
			'\n(the first ' + hex.length / 2 + ' of ' + C.bytes[i] + ' bytes are kept)' : '') : '(none)';
		if (center && (X(start[i]) < HEAD_W || X(end[i]) > W)) {
			v0 = start[i] - (W - HEAD_W) / 2 / scale;
		}
		var r = laneRow[C.lane[i]];
		if (center && r >= 0 && (r < rowOff || rowY(r) + LANE_H > H))
			rowOff = Math.max(0, r - 1);
		draw();
	}

	function hit(x, y) {
		var r = Math.floor((y - AXIS_H) / LANE_H) + rowOff, best = -1, bd = 6;
		var u0 = U(x - 6), u1 = U(x + 6);

		if (x < HEAD_W || y < AXIS_H)
			return -1;
		for (var i = lowerBound(runMax, u0); i < N && start[i] <= u1; i++) {
			if (!shown[i] || laneRow[C.lane[i]] !== r)
				continue;
			var x0 = X(start[i]), x1 = Math.max(X(end[i]), x0 + 2);
			var dd = (x < x0 ? x0 - x : x > x1 ? x - x1 : 0) + Math.abs(x - (x0 + x1) / 2) / 1e3;
			if (dd < bd) {
				bd = dd;
				best = i;
			}
		}
		return best;
	}

	/* ---- connections ---- */
	function highlight(id) {
		var n = 0, lo = Infinity, hi = -Infinity;

		hlConn = id;
		for (var i = 0; i < N; i++) {
			hl[i] = id && C.conn[i] === id ? 1 : 0;
			if (hl[i] && shown[i]) {
				n++;
				lo = Math.min(lo, start[i]);
				hi = Math.max(hi, end[i]);
			}
		}
		var rows = $('ctab').tBodies[0].rows;
		for (i = 0; i < rows.length; i++)
			rows[i].className = +rows[i].getAttribute('data-id') === id ? 'sel' : '';
		cv.setAttribute('data-highlighted', String(n));
		if (n)
			span(lo, hi);
		else
			draw();
	}

	function fillTables() {
		var tb = $('ctab').tBodies[0], max = 2000, i, sel = $('f-conn'), psel = $('f-proc'), seen = {};

		D.conns.forEach(function (k, n) {
			if (n < max) {
				var tr = document.createElement('tr');
				[k.id, k.proto, k.ccomm === null ? '-' : k.ccomm + ' ' + k.cpid, k.client,
				 k.scomm === null ? '-' : k.scomm + ' ' + k.spid, k.server, secs(k.start),
				 dur(k.dur), k.c2s, k.s2c, k.end].forEach(function (v) {
					var td = document.createElement('td');
					td.textContent = String(v);
					tr.appendChild(td);
				});
				tr.setAttribute('data-id', String(k.id));
				tb.appendChild(tr);
			}
			if (n < 5000) {
				var op = document.createElement('option');
				op.value = String(k.id);
				op.textContent = k.id + ' ' + k.proto + ' ' + k.client + ' > ' + k.server;
				sel.appendChild(op);
			}
		});
		if (D.conns.length > max)
			$('c-more').textContent = (D.conns.length - max) + ' more connections not listed: choose one with the connection filter.';
		D.lanes.forEach(function (ln) {
			if (ln.ends === undefined)
				return;
			var d = document.createElement('p');
			d.className = 'ends';
			d.textContent = ln.name + ': ' + ln.ends + '; what it did after is not shown.';
			$('ends').appendChild(d);
		});
		for (i = 0; i < D.lanes.length; i++) {
			var p = D.lanes[i].pid;
			if (seen[p])
				continue;
			seen[p] = 1;
			var o = document.createElement('option');
			o.value = String(p);
			o.textContent = D.lanes[i].name.replace(/\/\d+$/, '');
			psel.appendChild(o);
		}
		tb.addEventListener('click', function (ev) {
			var tr = ev.target.closest('tr');
			if (tr)
				highlight(+tr.getAttribute('data-id') === hlConn ? 0 : +tr.getAttribute('data-id'));
		});
	}

	/* ---- input ---- */
	var dragX = null, dragY = 0, moved = false;

	cv.addEventListener('wheel', function (ev) {
		ev.preventDefault();
		zoom(ev.deltaY < 0 ? 1.25 : 0.8, ev.offsetX);
	}, { passive: false });
	cv.addEventListener('pointerdown', function (ev) {
		dragX = ev.clientX;
		dragY = ev.clientY;
		moved = false;
		cv.setPointerCapture(ev.pointerId);
	});
	cv.addEventListener('pointermove', function (ev) {
		if (dragX === null)
			return;
		var dx = ev.clientX - dragX, dy = ev.clientY - dragY;
		if (Math.abs(dx) + Math.abs(dy) > 3)
			moved = true;
		if (!moved)
			return;
		cv.className = 'drag';
		v0 -= dx / scale;
		if (Math.abs(dy) >= LANE_H / 2) {
			rowOff = Math.min(Math.max(rowOff - Math.round(dy / LANE_H), 0), Math.max(nrows - 1, 0));
			dragY = ev.clientY;
		}
		dragX = ev.clientX;
		draw();
	});
	cv.addEventListener('pointerup', function (ev) {
		var i;
		cv.className = '';
		dragX = null;
		if (!moved && (i = hit(ev.offsetX, ev.offsetY)) >= 0)
			select(i, false);
	});
	window.addEventListener('keydown', function (ev) {
		if (ev.target.tagName === 'INPUT' || ev.target.tagName === 'SELECT')
			return;
		if (ev.key === '+' || ev.key === '=') zoom(1.5, (W + HEAD_W) / 2);
		else if (ev.key === '-') zoom(1 / 1.5, (W + HEAD_W) / 2);
		else if (ev.key === '0') fit();
		else if (ev.key === 'ArrowLeft') { v0 -= 100 / scale; draw(); }
		else if (ev.key === 'ArrowRight') { v0 += 100 / scale; draw(); }
		else if (ev.key === 'n') step(1);
		else if (ev.key === 'N') step(-1);
	});
	$('zoom-in').onclick = function () { zoom(1.5, (W + HEAD_W) / 2); };
	$('zoom-out').onclick = function () { zoom(1 / 1.5, (W + HEAD_W) / 2); };
	$('zoom-fit').onclick = fit;
	$('by-order').onchange = function () { byOrder = this.checked; placeX(); fit(); };
	$('f-proc').onchange = $('f-conn').onchange = applyFilters;
	$('f-port').oninput = applyFilters;
	$('q').oninput = function () { search(); draw(); };
	$('q').onkeydown = function (ev) { if (ev.key === 'Enter') step(ev.shiftKey ? -1 : 1); };
	$('q-next').onclick = function () { step(1); };
	$('q-prev').onclick = function () { step(-1); };
	window.addEventListener('resize', function () {
		var a = U(HEAD_W), b = U(W);
		resize();
		span(a, b);
	});

	/* For tests and the curious: where call i is drawn, and the state. */
	window.sockview = {
		calls: N, links: NL, conns: D.conns.length,
		callXY: function (i) {
			var r = laneRow[C.lane[i]];
			return r < 0 ? null : { x: (Math.max(X(start[i]), HEAD_W) + Math.max(X(end[i]), X(start[i]) + 2)) / 2,
						y: rowY(r) + LANE_H / 2 };
		},
		show: function (i) { select(i, true); },
		zoomTo: function (i) {
			var w = Math.max(end[i] - start[i], byOrder ? 1 : 1000) * 2;
			span(start[i] - w, end[i] + w);
			var r = laneRow[C.lane[i]];
			if (r >= 0 && (r < rowOff || rowY(r) + LANE_H > H)) {
				rowOff = Math.max(0, r - 1);
				draw();
			}
		},
		selected: function () { return selected; },
		find: function (s) { return C.text.findIndex(function (t) { return t.indexOf(s) >= 0; }); }
	};

	placeX();
	fillTables();
	applyFilters();
	window.sockview.loadMs = performance.now();
	document.body.setAttribute('data-ready', '1');
}());
