/* drtm-chipset: the emulated DRTM "chipset", a host program that runs
 * beside QEMU (docs/drtm.md). Options, the sockets it listens on, the
 * event loop. The other files of this folder hold one part each. */
#include "chipset.h"

static void on_signal(int sig)
{
	(void)sig;
	stop_requested = 1;
}

static void usage(FILE *f)
{
	fprintf(f,
		"usage: drtm-chipset --ctrl-listen PATH --swtpm-ctrl PATH --serial-listen PATH\n"
		"                    [--qmp PATH] [--log FILE] [--pidfile FILE] [--max-len BYTES]\n"
		"                    [--relaunch] [--no-data-relay]\n"
		"  --ctrl-listen PATH    QEMU's -chardev socket,path=PATH for -tpmdev emulator\n"
		"  --swtpm-ctrl PATH     swtpm's --ctrl type=unixio,path=PATH\n"
		"  --serial-listen PATH  QEMU's -chardev socket,path=PATH,server=off for COM2\n"
		"  --qmp PATH            QEMU's -qmp unix:PATH,server=on,wait=off\n"
		"  --log FILE            log file (default: stderr)\n"
		"  --pidfile FILE        written once all sockets listen\n"
		"  --max-len BYTES       largest measured range (default 64 MiB)\n"
		"  --relaunch            allow more than one launch per boot (tests only)\n"
		"  --no-data-relay       hand QEMU's data channel to swtpm untouched\n"
		"See docs/drtm.md.\n");
}

int main(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "ctrl-listen", required_argument, NULL, 'c' },
		{ "swtpm-ctrl", required_argument, NULL, 's' },
		{ "serial-listen", required_argument, NULL, 'S' },
		{ "qmp", required_argument, NULL, 'q' },
		{ "log", required_argument, NULL, 'l' },
		{ "pidfile", required_argument, NULL, 'p' },
		{ "max-len", required_argument, NULL, 'm' },
		{ "relaunch", no_argument, NULL, 'r' },
		{ "no-data-relay", no_argument, NULL, 'n' },
		{ "help", no_argument, NULL, 'h' },
		{ 0 },
	};
	struct chipset cs = {
		.max_len = 64ULL << 20,
		.relay_data = true,
		.ctrl_listen_fd = -1,
		.serial_listen_fd = -1,
		.serial_fd = -1,
	};
	const char *logpath = NULL, *tmp;
	struct sigaction sa = { 0 };
	int c, status = 0;

	clock_gettime(CLOCK_MONOTONIC, &t_start);
	log_file = stderr;
	while ((c = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
		switch (c) {
		case 'c': cs.ctrl_listen_path = optarg; break;
		case 's': cs.swtpm_ctrl_path = optarg; break;
		case 'S': cs.serial_listen_path = optarg; break;
		case 'q': cs.qmp_path = optarg; break;
		case 'l': logpath = optarg; break;
		case 'p': cs.pidfile = optarg; break;
		case 'm': {
			char *end;

			errno = 0;
			cs.max_len = strtoull(optarg, &end, 0);
			if (errno || *end || cs.max_len == 0 || cs.max_len > (1ULL << 32)) {
				fprintf(stderr, "drtm-chipset: bad --max-len %s\n", optarg);
				return 2;
			}
			break;
		}
		case 'r': cs.relaunch = true; break;
		case 'n': cs.relay_data = false; break;
		case 'h': usage(stdout); return 0;
		default: usage(stderr); return 2;
		}
	}
	if (optind != argc || !cs.ctrl_listen_path || !cs.swtpm_ctrl_path ||
	    !cs.serial_listen_path) {
		usage(stderr);
		return 2;
	}
	if (logpath) {
		log_file = fopen(logpath, "a");
		if (!log_file) {
			fprintf(stderr, "drtm-chipset: cannot open %s: %s\n", logpath, strerror(errno));
			return 2;
		}
	}

	sa.sa_handler = on_signal;
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGHUP, &sa, NULL);
	signal(SIGPIPE, SIG_IGN);

	/* Private directory for pmemsave's files; its path goes into JSON as is. */
	tmp = getenv("TMPDIR");
	if (!tmp || !*tmp || strlen(tmp) > 40 || strpbrk(tmp, "\"\\"))
		tmp = "/tmp";
	snprintf(cs.tmpdir, sizeof(cs.tmpdir), "%s/drtm-chipset.XXXXXX", tmp);
	if (!mkdtemp(cs.tmpdir)) {
		fprintf(stderr, "drtm-chipset: mkdtemp: %s\n", strerror(errno));
		return 1;
	}

	rbuf_init(&cs.qemu, -1);
	rbuf_init(&cs.tpm, unix_connect(cs.swtpm_ctrl_path));
	if (cs.tpm.fd < 0) {
		fprintf(stderr, "drtm-chipset: cannot connect to swtpm's control channel %s: %s\n",
			cs.swtpm_ctrl_path, strerror(errno));
		status = 1;
		goto out;
	}
	cs.ctrl_listen_fd = unix_listen(cs.ctrl_listen_path);
	cs.serial_listen_fd = unix_listen(cs.serial_listen_path);
	if (cs.ctrl_listen_fd < 0 || cs.serial_listen_fd < 0) {
		status = 1;
		goto out;
	}
	if (cs.pidfile) {
		FILE *f = fopen(cs.pidfile, "w");

		if (!f || fprintf(f, "%d\n", (int)getpid()) < 0 || fclose(f) != 0) {
			fprintf(stderr, "drtm-chipset: cannot write %s\n", cs.pidfile);
			status = 1;
			goto out;
		}
	}
	logmsg("chipset: ready (ctrl %s -> swtpm %s, serial %s, qmp %s, data relay %s%s)",
	       cs.ctrl_listen_path, cs.swtpm_ctrl_path, cs.serial_listen_path,
	       cs.qmp_path ? cs.qmp_path : "(none)", cs.relay_data ? "on" : "off",
	       cs.relaunch ? ", relaunch allowed" : "");
	if (!cs.relay_data)
		logmsg("chipset: WARNING: without the data relay TPM2_Startup is assumed and "
		       "the guest's TCG locality prefix reaches swtpm (docs/drtm.md)");
	if (cs.relaunch)
		logmsg("chipset: WARNING: --relaunch lets the OS re-measure any RAM (docs/drtm.md)");

	while (!stop_requested) {
		struct pollfd p[4] = {
			{ .fd = cs.ctrl_listen_fd, .events = POLLIN },
			{ .fd = cs.serial_listen_fd, .events = POLLIN },
			{ .fd = cs.qemu.fd, .events = POLLIN },
			{ .fd = cs.serial_fd, .events = POLLIN },
		};
		struct pollfd t = { .fd = cs.tpm.fd, .events = POLLIN };

		if (poll(p, 4, 1000) < 0) {
			if (errno == EINTR)
				continue;
			status = 1;
			break;
		}
		/* swtpm never speaks unasked; input here means it closed. */
		if (poll(&t, 1, 0) == 1 && cs.tpm.len == 0) {
			if (rbuf_fill(&cs.tpm, 0) <= 0) {
				logmsg("ctrl: swtpm closed the control channel");
				/* Normal after QEMU's CMD_SHUTDOWN: swtpm ends. */
				status = cs.tpm_shut_down ? 0 : 1;
				break;
			}
		}
		if (p[0].revents & POLLIN) {
			int fd = accept4(cs.ctrl_listen_fd, NULL, NULL, SOCK_CLOEXEC);

			if (fd >= 0 && cs.qemu.fd >= 0) {
				logmsg("ctrl: second control client refused");
				close(fd);
			} else if (fd >= 0) {
				logmsg("ctrl: QEMU connected");
				rbuf_init(&cs.qemu, fd);
			}
		}
		if (p[1].revents & POLLIN) {
			int fd = accept4(cs.serial_listen_fd, NULL, NULL, SOCK_CLOEXEC);

			if (fd >= 0) {
				if (cs.serial_fd >= 0)
					close(cs.serial_fd);
				logmsg("serial: connected");
				cs.serial_fd = fd;
				cs.line_len = 0;
				cs.line_overflow = false;
			}
		}
		if (cs.qemu.fd >= 0 && p[2].fd == cs.qemu.fd &&
		    (p[2].revents & (POLLIN | POLLHUP | POLLERR))) {
			if (ctrl_forward_one(&cs) < 0)
				qemu_ctrl_closed(&cs);
		}
		if (cs.serial_fd >= 0 && p[3].fd == cs.serial_fd &&
		    (p[3].revents & (POLLIN | POLLHUP | POLLERR)))
			serial_input(&cs);
	}
	logmsg("chipset: exiting");
out:
	if (cs.ctrl_listen_fd >= 0) {
		close(cs.ctrl_listen_fd);
		unlink(cs.ctrl_listen_path);
	}
	if (cs.serial_listen_fd >= 0) {
		close(cs.serial_listen_fd);
		unlink(cs.serial_listen_path);
	}
	if (cs.pidfile)
		unlink(cs.pidfile);
	rmdir(cs.tmpdir);
	return status;
}
