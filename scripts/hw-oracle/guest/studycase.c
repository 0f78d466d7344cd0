/* The study case, run as the guest's init work on the AST2500 (Linux 6.1, ftgmac100).
 *
 * Each step is bracketed by console lines "@@NK <verb> <step>"; after printing one the program
 * waits (tcdrain, then one line on stdin) until the host runner answers, so the host can record
 * between steps: the MMIO trace sees the console bytes in order, descriptors are dumped while the
 * guest is idle, and frames are injected only when asked for.
 *
 * Steps: linkup, mc-add, raw-socket, raw-bind, raw-sendto, dgram-socket, dgram-bind,
 * dgram-sendto, recv (one unicast frame), recv-mc (to the joined group), recv-mc-miss (to a group
 * not joined), down, up, sendto-after-up, recv-after-up.  function_graph records each step
 * (set_graph_function: the syscalls and the FTGMAC100 interrupt/NAPI entry points). */
#include <errno.h>
#include <fcntl.h>
#include <net/ethernet.h>
#include <net/if.h>
#include <netpacket/packet.h>
#include <arpa/inet.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <termios.h>
#include <time.h>
#include <unistd.h>

#define TRACEFS "/sys/kernel/tracing/"
#define ETH_P_STUDY 0x88b5

static const unsigned char peer[6] = {0x02, 0x00, 0x00, 0x00, 0x0b, 0x00};
static const unsigned char group[6] = {0x01, 0x00, 0x5e, 0x01, 0x02, 0x03};

static void put(const char *file, const char *val)
{
	char path[256], line[512], *p;
	ssize_t n, left;
	int fd;

	/* a trailing newline ends the last name: without it a list keeps only one */
	snprintf(path, sizeof(path), TRACEFS "%s", file);
	snprintf(line, sizeof(line), "%s\n", val);
	fd = open(path, O_WRONLY | O_TRUNC);
	if (fd < 0)
		printf("@@NK warn %s: %s\n", file, strerror(errno));
	/* tracefs lists take one name per write(): write until all is taken */
	for (p = line, left = strlen(line); fd >= 0 && left > 0; p += n, left -= n) {
		n = write(fd, p, left);
		if (n <= 0) {
			printf("@@NK warn %s: %s\n", file, strerror(errno));
			break;
		}
	}
	if (fd >= 0)
		close(fd);
}

/* One line to the host, then wait for its answer. */
static void host(const char *verb, const char *step)
{
	char line[64];

	printf("@@NK %s %s\n", verb, step);
	fflush(stdout);
	tcdrain(1);
	if (!fgets(line, sizeof(line), stdin))
		exit(3);
}

static void trace_on(void)
{
	int fd = open(TRACEFS "trace", O_WRONLY | O_TRUNC);

	if (fd >= 0)
		close(fd);
	put("tracing_on", "1");
}

/* Stop tracing and print the buffer between markers (the host has turned MMIO tracing off). */
static void trace_dump(const char *step)
{
	char buf[4096];
	ssize_t n;
	int fd;

	put("tracing_on", "0");
	host("quiet", step);
	printf("@@NK graph-begin %s\n", step);
	fflush(stdout);
	fd = open(TRACEFS "trace", O_RDONLY);
	while (fd >= 0 && (n = read(fd, buf, sizeof(buf))) > 0)
		fwrite(buf, 1, n, stdout);
	if (fd >= 0)
		close(fd);
	printf("@@NK graph-end %s\n", step);
	fflush(stdout);
	host("loud", step);
}

static void show_graph_functions(void)
{
	char buf[1024];
	ssize_t n;
	int fd = open(TRACEFS "set_graph_function", O_RDONLY);

	n = fd >= 0 ? read(fd, buf, sizeof(buf) - 1) : -1;
	buf[n > 0 ? n : 0] = 0;
	for (char *c = buf; *c; c++)
		if (*c == '\n')
			*c = ' ';
	printf("@@NK info graph-functions %s\n", buf);
	if (fd >= 0)
		close(fd);
}

static void begin(const char *step)
{
	host("begin", step);
	trace_on();
}

/* End of a step: graph, then descriptors (dumped by the host), then on to the next. */
static void end(const char *step)
{
	trace_dump(step);
	host("end", step);
}

static int set_up(int s, int up)
{
	struct ifreq ifr;

	memset(&ifr, 0, sizeof(ifr));
	strcpy(ifr.ifr_name, "eth0");
	if (ioctl(s, SIOCGIFFLAGS, &ifr) < 0)
		return -1;
	if (up)
		ifr.ifr_flags |= IFF_UP;
	else
		ifr.ifr_flags &= ~IFF_UP;
	return ioctl(s, SIOCSIFFLAGS, &ifr);
}

static int carrier(void)
{
	char c = '0';
	int fd = open("/sys/class/net/eth0/carrier", O_RDONLY);

	if (fd >= 0) {
		if (read(fd, &c, 1) < 0)
			c = '0';
		close(fd);
	}
	return c == '1';
}

/* Up, then wait for the PHY poll to report the link and for the reset task to finish. */
static void link_up(int ctl, const char *step)
{
	int i;

	begin(step);
	if (set_up(ctl, 1) < 0)
		printf("@@NK warn up: %s\n", strerror(errno));
	for (i = 0; i < 100 && !carrier(); i++)
		usleep(50000);
	usleep(1500000);
	end(step);
	printf("@@NK info carrier=%d\n", carrier());
}

static int packet_socket(int type, int proto, const char *step)
{
	int s;

	begin(step);
	s = socket(AF_PACKET, type, htons(proto));
	end(step);
	if (s < 0)
		printf("@@NK warn socket: %s\n", strerror(errno));
	return s;
}

static void packet_bind(int s, int proto, const char *step)
{
	struct sockaddr_ll sll;

	memset(&sll, 0, sizeof(sll));
	sll.sll_family = AF_PACKET;
	sll.sll_protocol = htons(proto);
	sll.sll_ifindex = if_nametoindex("eth0");
	begin(step);
	if (bind(s, (struct sockaddr *)&sll, sizeof(sll)) < 0)
		printf("@@NK warn bind: %s\n", strerror(errno));
	end(step);
}

static void packet_sendto(int s, const unsigned char *buf, int len, const char *step)
{
	struct sockaddr_ll sll;
	ssize_t r;

	memset(&sll, 0, sizeof(sll));
	sll.sll_family = AF_PACKET;
	sll.sll_ifindex = if_nametoindex("eth0");
	sll.sll_protocol = htons(ETH_P_STUDY);
	sll.sll_halen = 6;
	memcpy(sll.sll_addr, peer, 6);
	begin(step);
	r = sendto(s, buf, len, 0, (struct sockaddr *)&sll, sizeof(sll));
	if (r < 0) {
		/* the device went down under the socket: the first send reports it (sk_err) */
		printf("@@NK info sendto=-%d\n", errno);
		r = sendto(s, buf, len, 0, (struct sockaddr *)&sll, sizeof(sll));
	}
	usleep(200000);
	end(step);
	printf("@@NK info sendto=%zd\n", r);
}

/* The host injects a frame while the guest waits; then one recvfrom (a bounded wait). */
static void receive(int s, const char *step, int expect)
{
	unsigned char buf[2048];
	struct timeval tv = {2, 0};
	ssize_t r;

	/* what the socket already holds (the other socket's frames, seen going out) */
	while (recv(s, buf, sizeof(buf), MSG_DONTWAIT) >= 0)
		;
	setsockopt(s, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
	begin(step);
	host("inject", step);
	usleep(200000);
	r = expect ? recvfrom(s, buf, sizeof(buf), 0, NULL, NULL) : -2;
	end(step);
	printf("@@NK info recv=%zd\n", r);
}

static void mc_add(int s, const char *step)
{
	struct packet_mreq mr;

	memset(&mr, 0, sizeof(mr));
	mr.mr_ifindex = if_nametoindex("eth0");
	mr.mr_type = PACKET_MR_MULTICAST;
	mr.mr_alen = 6;
	memcpy(mr.mr_address, group, 6);
	begin(step);
	if (setsockopt(s, SOL_PACKET, PACKET_ADD_MEMBERSHIP, &mr, sizeof(mr)) < 0)
		printf("@@NK warn membership: %s\n", strerror(errno));
	end(step);
}

int main(void)
{
	unsigned char frame[60];
	struct ifreq ifr;
	int ctl, raw, dgram, i;

	ctl = socket(AF_INET, SOCK_DGRAM, 0);
	memset(&ifr, 0, sizeof(ifr));
	strcpy(ifr.ifr_name, "eth0");
	ioctl(ctl, SIOCGIFHWADDR, &ifr);

	put("current_tracer", "nop");
	put("buffer_size_kb", "4096");
	/* The socket calls' sys_* entries are aliases that tail-call __sys_* on ARM: a graph
	 * rooted there never sees its return (and swallows the task's next syscall), so the
	 * graphs start one level down. */
	put("set_graph_function", "__sys_socket __sys_bind __sys_sendto __sys_recvfrom "
	    "__sys_setsockopt sys_ioctl ftgmac100_interrupt net_rx_action "
	    "ftgmac100_reset_task phy_state_machine");
	put("tracing_on", "0");
	put("current_tracer", "function_graph");
	put("trace_options", "nofuncgraph-duration");
	put("trace_options", "nofuncgraph-cpu");
	put("trace_options", "nofuncgraph-overhead");
	put("trace_options", "funcgraph-proc");

	host("begin", "study");
	show_graph_functions();
	link_up(ctl, "linkup");
	raw = packet_socket(SOCK_RAW, ETH_P_ALL, "raw-socket");
	packet_bind(raw, ETH_P_ALL, "raw-bind");
	mc_add(raw, "mc-add");

	memcpy(frame, peer, 6);
	memcpy(frame + 6, ifr.ifr_hwaddr.sa_data, 6);
	frame[12] = ETH_P_STUDY >> 8;
	frame[13] = ETH_P_STUDY & 0xff;
	for (i = 14; i < 60; i++)
		frame[i] = i - 14;
	packet_sendto(raw, frame, 60, "raw-sendto");

	dgram = packet_socket(SOCK_DGRAM, ETH_P_STUDY, "dgram-socket");
	packet_bind(dgram, ETH_P_STUDY, "dgram-bind");
	packet_sendto(dgram, frame + 14, 28, "dgram-sendto");

	receive(raw, "recv", 1);
	receive(raw, "recv-mc", 1);
	receive(raw, "recv-mc-miss", 0);

	begin("down");
	set_up(ctl, 0);
	end("down");
	link_up(ctl, "up");
	packet_sendto(raw, frame, 60, "sendto-after-up");
	receive(raw, "recv-after-up", 1);
	host("end", "study");
	return 0;
}
