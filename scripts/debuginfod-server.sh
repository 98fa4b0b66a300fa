#!/bin/bash
# Runs a local debuginfod server (elfutils) over a folder of ELF files, for the
# tests.
#
#   debuginfod-server.sh start DIR STATE_DIR
#       Installs the debuginfod package when missing (needs root or sudo then),
#       stops a server left running from the same STATE_DIR, then starts a new
#       one on the first free port from 18002 upwards. The database (a new one
#       every time), the server log and the pid are kept in STATE_DIR (files
#       db.sqlite*, log, pid, url). Once the first scan of DIR is complete it
#       prints only the URL, http://127.0.0.1:PORT, on stdout. Gives up after
#       KSYMBOLIZE_DEBUGINFOD_WAIT seconds (default 120), with exit status 1.
#   debuginfod-server.sh stop STATE_DIR
#       Stops the server started from STATE_DIR, if it is still running.
#
# Messages go to stderr. debuginfod 0.188 has no option to listen on loopback
# only: it listens on every interface (IPv4 and IPv6); use the 127.0.0.1 URL.
# It indexes ELF files by build ID: an executable or vmlinux as executable and
# (with DWARF) debuginfo; a kernel module (ET_REL) or a separate .debug file
# only as debuginfo when it holds .debug_* sections; a module stripped with
# strip --strip-debug not at all.
set -euo pipefail

first_port=18002
port_tries=100
wait_seconds=${KSYMBOLIZE_DEBUGINFOD_WAIT:-120}

usage() {
	echo "usage: $0 start DIR STATE_DIR | stop STATE_DIR" >&2
	exit 2
}

log() { echo "debuginfod-server: $*" >&2; }

install_missing() {
	local packages=(debuginfod curl) missing=() package
	for package in "${packages[@]}"; do
		dpkg-query -W -f='${Status}' "$package" 2>/dev/null | grep -q "install ok installed" || missing+=("$package")
	done
	if [ ${#missing[@]} -gt 0 ]; then
		log "installing ${missing[*]}"
		local sudo_cmd=()
		[ "$(id -u)" -eq 0 ] || sudo_cmd=(sudo)
		"${sudo_cmd[@]}" apt-get update -q >&2
		DEBIAN_FRONTEND=noninteractive "${sudo_cmd[@]}" apt-get install -y -q "${missing[@]}" >&2
	fi
}

# True when process $1 exists and is not a zombie (a server that failed to
# start stays a zombie child of this script until it exits).
alive() {
	local stat
	stat=$(cat "/proc/$1/stat" 2>/dev/null) || return 1
	stat=${stat##*) }
	[ "${stat%% *}" != Z ]
}

# True when process $1 is a debuginfod using the database of state dir $2
# (guards against a pid file that names a recycled pid).
ours() {
	local cmdline
	alive "$1" || return 1
	cmdline=$(tr '\0' ' ' <"/proc/$1/cmdline" 2>/dev/null) || return 1
	[[ $cmdline == *debuginfod* && $cmdline == *" $2/db.sqlite "* ]]
}

stop_server() {
	local state=$1 pid i
	[ -f "$state/pid" ] || return 0
	pid=$(cat "$state/pid")
	if [[ $pid =~ ^[0-9]+$ ]] && ours "$pid" "$state"; then
		log "stopping debuginfod (pid $pid)"
		kill -TERM "$pid" 2>/dev/null || true
		for ((i = 0; i < 100; i++)); do
			alive "$pid" || break
			sleep 0.1
		done
		if alive "$pid"; then
			log "debuginfod (pid $pid) ignores SIGTERM, killing it"
			kill -KILL "$pid" 2>/dev/null || true
		fi
	fi
	rm -f "$state/pid" "$state/url"
}

# The first scan is complete when the traverse thread finished one pass over
# DIR (thread_work_total{role="traverse"} >= 1), the scan queue is empty and
# no scanner thread is busy.
scan_complete() {
	local metrics
	metrics=$(curl -sf --max-time 5 "$1/metrics") || return 1
	[[ $metrics =~ (^|$'\n')'thread_work_total{role="traverse"} '[1-9] ]] &&
		[[ $metrics =~ (^|$'\n')'thread_work_pending{role="scan"} 0'($'\n'|$) ]] &&
		[[ $metrics =~ (^|$'\n')'thread_busy{role="scan"} 0'($'\n'|$) ]]
}

start_server() {
	local dir=$1 state=$2 port pid url deadline started
	[ -d "$dir" ] || { log "no such folder: $dir"; exit 1; }
	dir=$(realpath "$dir")
	mkdir -p "$state"
	state=$(realpath "$state")
	install_missing
	stop_server "$state"
	deadline=$((SECONDS + wait_seconds))
	for ((port = first_port; port < first_port + port_tries; port++)); do
		rm -f "$state"/db.sqlite*
		# No DEBUGINFOD_URLS: the server must not forward misses upstream.
		# Every inherited descriptor above 2 is closed first: a caller that
		# waits for this script (a pipe, Foundation's Process) must not wait
		# for the server too.
		(
			for fd in /proc/self/fd/*; do
				n=${fd##*/}
				if [ "$n" -gt 2 ] 2>/dev/null; then eval "exec $n>&-" 2>/dev/null || true; fi
			done
			exec env -u DEBUGINFOD_URLS debuginfod -F -v -t 0 -g 0 -p "$port" -d "$state/db.sqlite" "$dir"
		) </dev/null >"$state/log" 2>&1 &
		pid=$!
		echo "$pid" >"$state/pid"
		started=false
		while alive "$pid"; do
			if grep -q "started http server" "$state/log"; then
				started=true
				break
			fi
			((SECONDS < deadline)) || break
			sleep 0.05
		done
		$started && break
		if alive "$pid"; then
			log "debuginfod did not start within ${wait_seconds}s; log $state/log:"
			tail -n 20 "$state/log" >&2
			stop_server "$state"
			exit 1
		fi
		wait "$pid" 2>/dev/null || true
		rm -f "$state/pid"
		grep -q "cannot start http server" "$state/log" || {
			log "debuginfod failed; log $state/log:"
			tail -n 20 "$state/log" >&2
			exit 1
		}
		log "port $port is taken, trying $((port + 1))"
	done
	$started || { log "no free port in $first_port-$((first_port + port_tries - 1))"; exit 1; }
	url="http://127.0.0.1:$port"
	log "debuginfod pid $pid on $url is scanning $dir"
	local confirmed=0
	while ((SECONDS < deadline)); do
		if ! alive "$pid"; then
			log "debuginfod exited during the scan; log $state/log:"
			tail -n 20 "$state/log" >&2
			rm -f "$state/pid"
			exit 1
		fi
		# Idle on two polls in a row: a scanner thread takes the last file off
		# the queue a moment before it reports itself busy.
		if scan_complete "$url"; then
			confirmed=$((confirmed + 1))
			((confirmed < 2)) || break
		else
			confirmed=0
		fi
		sleep 0.1
	done
	if ((confirmed < 2)); then
		log "the scan of $dir did not complete within ${wait_seconds}s; log $state/log:"
		tail -n 20 "$state/log" >&2
		stop_server "$state"
		exit 1
	fi
	echo "$url" >"$state/url"
	log "scan complete"
	echo "$url"
}

case "${1:-}" in
start) [ $# -eq 3 ] || usage; start_server "$2" "$3" ;;
stop) [ $# -eq 2 ] || usage; [ -d "$2" ] || exit 0; stop_server "$(realpath "$2")" ;;
*) usage ;;
esac
