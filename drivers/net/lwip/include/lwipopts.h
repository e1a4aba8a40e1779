/*
 * lwIP's configuration for Bastion network clients (docs/drivers.md, "lwIP and the
 * client library", explains each choice). One configuration for every client: lwIP is
 * compiled once into liblwip.a.
 *
 * Shape: NO_SYS (raw API only, one thread: the PD's), IPv4 with ARP, ICMP, UDP, TCP and
 * raw PCBs; one Ethernet netif per PD (the client library's); static memory only (a heap
 * for outgoing data and pools for everything else, all in the PD's .bss).
 */
#ifndef BASTION_LWIPOPTS_H
#define BASTION_LWIPOPTS_H

/* ---- System ----------------------------------------------------------------------- */
#define NO_SYS               1
#define SYS_LIGHTWEIGHT_PROT 0 /* one thread, no interrupts in user mode */
#define LWIP_TIMERS          1 /* sys_check_timeouts(), driven by the client library */
#define LWIP_NETCONN         0
#define LWIP_SOCKET          0
#define LWIP_SINGLE_NETIF    1 /* one netif per PD: routing is "that netif" */
#define LWIP_HAVE_LOOPIF     0
#define LWIP_NETIF_LOOPBACK  0

/* ---- Memory: a static heap for outgoing data, pools for the rest -------------------- */
#define MEM_LIBC_MALLOC 0
#define MEMP_MEM_MALLOC 0
#define MEM_ALIGNMENT   8
/* Outgoing TCP data (tcp_write copies into PBUF_RAM) and other PBUF_RAM pbufs: room for
 * several connections with a full send buffer each (TCP_SND_BUF below). */
#define MEM_SIZE        (256 * 1024)
/* Received frames: one pool pbuf per frame (PBUF_POOL_BUFSIZE, lwIP's default, holds
 * TCP_MSS plus every header: 1520 bytes). 64 frames hold two full receive windows
 * queued out of order plus ARP, ICMP and UDP traffic; about 100 KiB. */
#define PBUF_POOL_SIZE  64
#define MEMP_NUM_PBUF   32 /* PBUF_REF/ROM: tcp_write without copy, IP fragments */

/* ---- Protocols -------------------------------------------------------------------- */
#define LWIP_IPV4     1
#define LWIP_IPV6     0
#define LWIP_ARP      1
#define LWIP_ETHERNET 1
#define LWIP_ICMP     1
#define LWIP_RAW      1
#define LWIP_UDP      1
#define LWIP_TCP      1
#define LWIP_IGMP     0
#define LWIP_DNS      0
#define LWIP_AUTOIP   0
/* Addresses come from the system description (net_ip, net_netmask, net_gateway):
 * deterministic, and no DHCP server is needed. Turning DHCP on costs about 10 KiB of code
 * in every client and a UDP PCB. */
#define LWIP_DHCP     0

#define ARP_TABLE_SIZE                16
#define ARP_QUEUEING                  1 /* hold outgoing packets while their address resolves */
#define MEMP_NUM_ARP_QUEUE            32
#define ETHARP_SUPPORT_STATIC_ENTRIES 0
#define ETH_PAD_SIZE                  0 /* frames are copied anyway: nothing gained by padding */

#define IP_REASSEMBLY 1
#define IP_FRAG       1

#define MEMP_NUM_RAW_PCB        4
#define MEMP_NUM_UDP_PCB        8
#define MEMP_NUM_TCP_PCB        16
#define MEMP_NUM_TCP_PCB_LISTEN 8
/* Room for application timers (sys_timeout) beside lwIP's own. */
#define MEMP_NUM_SYS_TIMEOUT    (LWIP_NUM_SYS_TIMEOUT_INTERNAL + 8)

/* ---- TCP -------------------------------------------------------------------------- */
#define TCP_MSS                            1460 /* Ethernet's 1500-byte MTU less 40 bytes of IPv4 and TCP headers */
/* Receive window: 16 segments (23,360 bytes, above 16 KiB). A window of W bytes keeps
 * W / RTT per second in flight; 16 segments cover a round trip of a few milliseconds at
 * the rates a copying, single-threaded client reaches, and fit lwIP's 16-bit window
 * without window scaling. lwIP requires TCP_WND <= PBUF_POOL_SIZE * payload per pbuf
 * (64 * 1460 here): the pool must be able to hold a whole window. */
#define TCP_WND                            (16 * TCP_MSS)
/* Send buffer: as large as the receive window of a peer like us. */
#define TCP_SND_BUF                        (16 * TCP_MSS)
/* Segments queued per connection: lwIP wants at least 2 * TCP_SND_BUF / TCP_MSS. */
#define TCP_SND_QUEUELEN                   (4 * TCP_SND_BUF / TCP_MSS)
#define MEMP_NUM_TCP_SEG                   (2 * TCP_SND_QUEUELEN)
/* One connection's out-of-order queue may take a window's worth of pool pbufs, no more:
 * the pool is shared by every connection and by ARP, ICMP and UDP. */
#define TCP_OOSEQ_MAX_PBUFS                (TCP_WND / TCP_MSS)
#define TCP_LISTEN_BACKLOG                 1
#define TCP_DEFAULT_LISTEN_BACKLOG         8
#define LWIP_TCP_KEEPALIVE                 1 /* per PCB, off unless the application sets SOF_KEEPALIVE */
#define LWIP_WND_SCALE                     0
#define LWIP_RANDOMIZE_INITIAL_LOCAL_PORTS 1

/* Initial sequence numbers from the port's keyed hash (arch/bastion_hooks.h). */
#define LWIP_HOOK_FILENAME "arch/bastion_hooks.h"
#define LWIP_HOOK_TCP_ISN  lwip_port_tcp_isn

/* ---- Checksums: all in software, generated and checked ----------------------------- */
#define CHECKSUM_GEN_IP       1
#define CHECKSUM_GEN_UDP      1
#define CHECKSUM_GEN_TCP      1
#define CHECKSUM_GEN_ICMP     1
#define CHECKSUM_CHECK_IP     1
#define CHECKSUM_CHECK_UDP    1
#define CHECKSUM_CHECK_TCP    1
#define CHECKSUM_CHECK_ICMP   1
#define LWIP_CHECKSUM_ON_COPY 0

/* ---- Netif ------------------------------------------------------------------------ */
#define LWIP_NETIF_STATUS_CALLBACK 0
#define LWIP_NETIF_LINK_CALLBACK   0
#define LWIP_NETIF_HOSTNAME        0
#define LWIP_NETIF_TX_SINGLE_PBUF  0 /* the client library copies chains into one buffer */

/* ---- Statistics (the counters a status page shows: lwip_stats) --------------------- */
#define LWIP_STATS         1
#define LWIP_STATS_DISPLAY 0
#define LWIP_STATS_LARGE   1 /* 32-bit counters: 16-bit ones wrap within a second */
#define LINK_STATS         1
#define ETHARP_STATS       1
#define IP_STATS           1
#define IPFRAG_STATS       1
#define ICMP_STATS         1
#define UDP_STATS          1
#define TCP_STATS          1
#define MEM_STATS          1
#define MEMP_STATS         1
#define SYS_STATS          0

/* ---- Debugging: assertions on (they fault the PD), debug messages off -------------- */
#define LWIP_DBG_TYPES_ON LWIP_DBG_OFF

#endif /* BASTION_LWIPOPTS_H */
