/* SPDX-License-Identifier: GPL-3.0-or-later */
/* The emulated Mi Assistant recovery over adb TCP, driven by a raw-packet
 * client written here (not src/adb: a misunderstanding shared with the host
 * could not show). */
#include "config.h"

#include "ub-emu-adb-server.h"
#include "ub-emu-recovery.h"
#include "ub-emu-xiaomi-key.h"

#include "ub-test-utils.h"

#include <gio/gio.h>
#include <glib/gstdio.h>
#include <string.h>

#define A_CNXN 0x4e584e43u
#define A_OPEN 0x4e45504fu
#define A_OKAY 0x59414b4fu
#define A_WRTE 0x45545257u
#define A_CLSE 0x45534c43u
#define A_AUTH 0x48545541u

#define BLOCK 65536

static gint violations;  /* "adb protocol violation" warnings seen */

typedef struct {
  char           *dir;
  char           *package;
  UbEmuRecovery  *recovery;
  UbEmuAdbServer *server;
  GSocket        *sock;
} Fixture;

typedef struct {
  guint32  cmd, arg0, arg1;
  GBytes  *data;
} Packet;

static void
packet_clear (Packet *p)
{
  g_clear_pointer (&p->data, g_bytes_unref);
}

static void
fixture_setup (Fixture       *fx,
               gconstpointer  data)
{
  g_autoptr(GError) error = NULL;

  fx->dir = ub_test_make_tmp_dir ("ub-emu-recovery-XXXXXX");
  fx->package = g_build_filename (fx->dir, "package.zip", NULL);
  fx->recovery = ub_emu_recovery_new (fx->package);
  fx->server = ub_emu_adb_server_new (fx->recovery);
  ub_emu_adb_server_start (fx->server, 0, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (ub_emu_adb_server_get_port (fx->server), >, 0);
  g_atomic_int_set (&violations, 0);
}

static void
fixture_teardown (Fixture       *fx,
                  gconstpointer  data)
{
  if (fx->sock)
    g_socket_close (fx->sock, NULL);
  g_clear_object (&fx->sock);
  ub_emu_adb_server_stop (fx->server);
  g_clear_object (&fx->server);
  g_clear_object (&fx->recovery);
  ub_test_rm_rf (fx->dir);
  g_free (fx->package);
  g_free (fx->dir);
}

static void
client_connect (Fixture *fx)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GInetAddress) lo = g_inet_address_new_loopback (G_SOCKET_FAMILY_IPV4);
  g_autoptr(GSocketAddress) addr = g_inet_socket_address_new (lo, ub_emu_adb_server_get_port (fx->server));

  fx->sock = g_socket_new (G_SOCKET_FAMILY_IPV4, G_SOCKET_TYPE_STREAM, G_SOCKET_PROTOCOL_TCP, &error);
  g_assert_no_error (error);
  g_socket_set_timeout (fx->sock, 20);
  g_socket_connect (fx->sock, addr, NULL, &error);
  g_assert_no_error (error);
}

static void
send_raw (Fixture    *fx,
          const void *data,
          gsize       len)
{
  const guint8 *p = data;

  while (len > 0)
    {
      g_autoptr(GError) error = NULL;
      gssize n = g_socket_send (fx->sock, (const gchar *) p, len, NULL, &error);

      if (n < 0 && g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CONNECTION_CLOSED))
        return;   /* the device dropped us; the test checks that */
      if (n < 0 && g_error_matches (error, G_IO_ERROR, G_IO_ERROR_BROKEN_PIPE))
        return;
      g_assert_no_error (error);
      p += n;
      len -= (gsize) n;
    }
}

static void
send_packet_full (Fixture    *fx,
                  guint32     cmd,
                  guint32     arg0,
                  guint32     arg1,
                  const void *data,
                  gsize       len,
                  guint32     magic)
{
  guint32 h[6] = {
    GUINT32_TO_LE (cmd), GUINT32_TO_LE (arg0), GUINT32_TO_LE (arg1),
    GUINT32_TO_LE ((guint32) len), 0, GUINT32_TO_LE (magic),
  };

  send_raw (fx, h, sizeof h);
  if (len > 0)
    send_raw (fx, data, len);
}

static void
send_packet (Fixture    *fx,
             guint32     cmd,
             guint32     arg0,
             guint32     arg1,
             const void *data,
             gsize       len)
{
  send_packet_full (fx, cmd, arg0, arg1, data, len, cmd ^ 0xffffffffu);
}

/* FALSE at end of stream (the device dropped the link). */
static gboolean
recv_exact (Fixture *fx,
            guint8  *buf,
            gsize    len)
{
  while (len > 0)
    {
      g_autoptr(GError) error = NULL;
      gssize n = g_socket_receive (fx->sock, (gchar *) buf, len, NULL, &error);

      if (n < 0 && g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CONNECTION_CLOSED))
        return FALSE;
      g_assert_no_error (error);
      if (n == 0)
        return FALSE;
      buf += n;
      len -= (gsize) n;
    }
  return TRUE;
}

static gboolean
recv_packet (Fixture *fx,
             Packet  *p)
{
  guint32 h[6];
  guint8 *data;
  guint32 sum = 0;

  if (!recv_exact (fx, (guint8 *) h, sizeof h))
    return FALSE;
  p->cmd = GUINT32_FROM_LE (h[0]);
  p->arg0 = GUINT32_FROM_LE (h[1]);
  p->arg1 = GUINT32_FROM_LE (h[2]);
  g_assert_cmphex (GUINT32_FROM_LE (h[5]), ==, p->cmd ^ 0xffffffffu);
  g_assert_cmpuint (GUINT32_FROM_LE (h[3]), <=, 1024 * 1024);
  data = g_malloc (GUINT32_FROM_LE (h[3]) + 1);
  g_assert_true (recv_exact (fx, data, GUINT32_FROM_LE (h[3])));
  for (guint32 i = 0; i < GUINT32_FROM_LE (h[3]); i++)
    sum += data[i];
  g_assert_cmpuint (sum, ==, GUINT32_FROM_LE (h[4]));
  data[GUINT32_FROM_LE (h[3])] = '\0';  /* handy for texts */
  p->data = g_bytes_new_take (data, GUINT32_FROM_LE (h[3]));
  return TRUE;
}

static const char *
packet_text (Packet *p)
{
  return g_bytes_get_data (p->data, NULL);
}

/* The device closes the connection (and sends nothing more). */
static void
expect_dropped (Fixture *fx)
{
  Packet p = { 0 };

  g_assert_false (recv_packet (fx, &p));
}

static void
expect_packet (Fixture    *fx,
               guint32     cmd,
               guint32     arg0,
               guint32     arg1,
               const char *text)
{
  Packet p = { 0 };

  g_assert_true (recv_packet (fx, &p));
  g_assert_cmphex (p.cmd, ==, cmd);
  if (arg0 != G_MAXUINT32)
    g_assert_cmpuint (p.arg0, ==, arg0);
  g_assert_cmpuint (p.arg1, ==, arg1);
  if (text)
    g_assert_cmpstr (packet_text (&p), ==, text);
  packet_clear (&p);
}

static void
do_connect (Fixture    *fx,
            const char *banner_prefix)
{
  static const char host[] = "host::\0";
  Packet p = { 0 };

  client_connect (fx);
  send_packet (fx, A_CNXN, 0x01000001, 1024 * 1024, host, sizeof host - 1);
  g_assert_true (recv_packet (fx, &p));
  g_assert_cmphex (p.cmd, ==, A_CNXN);
  g_assert_cmphex (p.arg0, ==, 0x01000001);
  g_assert_cmpuint (p.arg1, ==, 1024 * 1024);
  g_assert_true (g_str_has_prefix (packet_text (&p), banner_prefix));
  packet_clear (&p);
}

static void
send_open (Fixture    *fx,
           guint32     local,
           const char *service)
{
  send_packet (fx, A_OPEN, local, 0, service, strlen (service) + 1);
}

/* OPEN, OKAY, one WRTE (acknowledged), CLSE: the service's answer. */
static char *
run_text_service (Fixture    *fx,
                  guint32     local,
                  const char *service)
{
  Packet p = { 0 };
  guint32 remote;
  char *text;

  send_open (fx, local, service);
  g_assert_true (recv_packet (fx, &p));
  g_assert_cmphex (p.cmd, ==, A_OKAY);
  g_assert_cmpuint (p.arg1, ==, local);
  g_assert_cmpuint (p.arg0, !=, 0);
  remote = p.arg0;
  packet_clear (&p);

  g_assert_true (recv_packet (fx, &p));
  g_assert_cmphex (p.cmd, ==, A_WRTE);
  g_assert_cmpuint (p.arg0, ==, remote);
  g_assert_cmpuint (p.arg1, ==, local);
  text = g_strdup (packet_text (&p));
  packet_clear (&p);
  send_packet (fx, A_OKAY, local, remote, NULL, 0);
  expect_packet (fx, A_CLSE, remote, local, NULL);
  return text;
}

static void
test_connect (Fixture       *fx,
              gconstpointer  data)
{
  do_connect (fx, "sideload::");
}

static void
test_info_services (Fixture       *fx,
                    gconstpointer  data)
{
  static const char *expected[][2] = {
    { "getdevice:", "begonia\n" },
    { "getversion:", "V12.5.6.0.RGGMIXM\n" },
    { "getsn:", "3f6a2b91\n" },
    { "getcodebase:", "11.0\n" },
    { "getbranch:", "F\n" },
    { "getlanguage:", "en-US\n" },
    { "getregion:", "GL\n" },
    { "getromzone:", "7\n" },
  };

  ub_emu_recovery_set_info (fx->recovery, "romzone", "7");
  g_assert_cmpstr (ub_emu_recovery_get_info (fx->recovery, "romzone"), ==, "7");
  do_connect (fx, "sideload::");
  for (guint i = 0; i < G_N_ELEMENTS (expected); i++)
    {
      g_autofree char *text = run_text_service (fx, 100 + i, expected[i][0]);

      g_assert_cmpstr (text, ==, expected[i][1]);
    }
  g_assert_cmpint (g_atomic_int_get (&violations), ==, 0);
}

static void
test_format_data (Fixture       *fx,
                  gconstpointer  data)
{
  g_autofree char *text = NULL;

  do_connect (fx, "sideload::");
  g_assert_cmpuint (ub_emu_recovery_get_formats (fx->recovery), ==, 0);
  text = run_text_service (fx, 1, "format-data:");
  g_assert_true (g_str_has_prefix (text, "Formatting /data"));
  g_assert_cmpuint (ub_emu_recovery_get_formats (fx->recovery), ==, 1);
}

/* The cable is pulled while /data is formatted: the link drops, no answer. */
static void
test_fault_unplug_format (Fixture       *fx,
                          gconstpointer  data)
{
  ub_emu_recovery_set_fault (fx->recovery, UB_EMU_RECOVERY_FAULT_UNPLUG, 0, 0);
  do_connect (fx, "sideload::");
  send_open (fx, 1, "format-data:");
  expect_dropped (fx);
  g_assert_cmpuint (ub_emu_recovery_get_formats (fx->recovery), ==, 0);
}

/* A host that connects while another holds the link is served once it lets
 * go (as a host that closes and reconnects at once, seen in either order). */
static void
test_second_host_waits (Fixture       *fx,
                        gconstpointer  data)
{
  g_autoptr(GSocket) first = NULL;
  g_autofree char *text = NULL;
  static const char host[] = "host::\0";
  GPollFD pfd = { 0 };

  do_connect (fx, "sideload::");
  first = g_steal_pointer (&fx->sock);
  client_connect (fx);
  send_packet (fx, A_CNXN, 0x01000001, 1024 * 1024, host, sizeof host - 1);
  /* no answer while the first host holds the link */
  pfd.fd = g_socket_get_fd (fx->sock);
  pfd.events = G_IO_IN;
  g_assert_cmpint (g_poll (&pfd, 1, 200), ==, 0);
  g_socket_close (first, NULL);
  expect_packet (fx, A_CNXN, 0x01000001, 1024 * 1024, NULL);
  text = run_text_service (fx, 1, "getsn:");
  g_assert_cmpstr (text, ==, "3f6a2b91\n");
}

static void
test_unknown_service (Fixture       *fx,
                      gconstpointer  data)
{
  g_autofree char *text = NULL;

  do_connect (fx, "sideload::");
  send_open (fx, 5, "shell:ls");
  expect_packet (fx, A_CLSE, 0, 5, NULL);
  /* the link stays up */
  text = run_text_service (fx, 6, "getdevice:");
  g_assert_cmpstr (text, ==, "begonia\n");
}

static void
test_reboot (Fixture       *fx,
             gconstpointer  data)
{
  const char *target = data;
  g_autofree char *service = g_strconcat ("reboot:", target, NULL);

  g_assert_null (ub_emu_recovery_get_last_reboot (fx->recovery));
  do_connect (fx, "sideload::");
  send_open (fx, 3, service);
  expect_packet (fx, A_OKAY, G_MAXUINT32, 3, NULL);
  expect_dropped (fx);
  g_assert_cmpstr (ub_emu_recovery_get_last_reboot (fx->recovery), ==, target);
}

/* ------------------------------------------------------------------ */
/* Sideload */

typedef struct {
  gsize    piece;        /* bytes per host WRTE */
  guint    requests;     /* block requests seen */
  guint    max_gap_ms;   /* longest wait for a device packet */
  gboolean dropped;      /* the device dropped the link */
  char    *final;        /* the last WRTE's text (not a block number) */
} Serve;

static void
serve_clear (Serve *s)
{
  g_clear_pointer (&s->final, g_free);
}

static gboolean
is_block_request (Packet *p)
{
  gsize len;
  const char *d = g_bytes_get_data (p->data, &len);

  if (len != 8)
    return FALSE;
  for (gsize i = 0; i < 8; i++)
    if (!g_ascii_isdigit (d[i]))
      return FALSE;
  return TRUE;   /* eight digits: not "DONEDONE" */
}

/* Plays the host's side of sideload-host for @package. */
static void
serve_sideload (Fixture    *fx,
                GBytes     *package,
                const char *token,
                Serve      *s)
{
  g_autofree char *service = g_strdup_printf ("sideload-host:%zu:%d:%s:0",
                                              g_bytes_get_size (package), BLOCK, token);
  const guint8 *bytes = g_bytes_get_data (package, NULL);
  gsize size = g_bytes_get_size (package);
  const guint32 local = 9;
  guint32 remote;
  Packet p = { 0 };

  if (s->piece == 0)
    s->piece = BLOCK;
  send_open (fx, local, service);
  g_assert_true (recv_packet (fx, &p));
  g_assert_cmphex (p.cmd, ==, A_OKAY);
  g_assert_cmpuint (p.arg1, ==, local);
  remote = p.arg0;
  packet_clear (&p);

  for (;;)
    {
      gint64 t0 = g_get_monotonic_time ();
      guint64 block;
      gsize off, len;

      if (!recv_packet (fx, &p))
        {
          s->dropped = TRUE;
          return;
        }
      s->max_gap_ms = MAX (s->max_gap_ms, (guint) ((g_get_monotonic_time () - t0) / 1000));
      g_assert_cmpuint (p.arg0, ==, remote);
      g_assert_cmpuint (p.arg1, ==, local);
      if (p.cmd == A_CLSE)
        {
          packet_clear (&p);
          return;
        }
      g_assert_cmphex (p.cmd, ==, A_WRTE);
      send_packet (fx, A_OKAY, local, remote, NULL, 0);
      if (!is_block_request (&p))
        {
          g_free (s->final);
          s->final = g_strdup (packet_text (&p));
          packet_clear (&p);
          continue;
        }
      block = g_ascii_strtoull (packet_text (&p), NULL, 10);
      packet_clear (&p);
      s->requests++;
      off = (gsize) block * BLOCK;
      g_assert_cmpuint (off, <, size);
      len = MIN ((gsize) BLOCK, size - off);
      while (len > 0)
        {
          gsize n = MIN (len, s->piece);

          send_packet (fx, A_WRTE, local, remote, bytes + off, n);
          off += n;
          len -= n;
          if (!recv_packet (fx, &p))
            {
              s->dropped = TRUE;
              return;
            }
          g_assert_cmphex (p.cmd, ==, A_OKAY);
          g_assert_cmpuint (p.arg0, ==, remote);
          g_assert_cmpuint (p.arg1, ==, local);
          packet_clear (&p);
        }
    }
}

static char *
sha1_of (GBytes *bytes)
{
  return g_compute_checksum_for_bytes (G_CHECKSUM_SHA1, bytes);
}

static char *
sign (const char *sn,
      const char *zone,
      const char *sha1)
{
  g_autoptr(GError) error = NULL;
  char *token = ub_emu_token_sign (sn, "V12.5.6.0.RGGMIXM", zone, sha1, &error);

  g_assert_no_error (error);
  return token;
}

static GBytes *
make_package (gsize size)
{
  return ub_test_random_bytes (size, (guint32) size);
}

static void
assert_package_file (Fixture *fx,
                     GBytes  *package)
{
  g_autofree char *contents = NULL;
  gsize len = 0;
  g_autoptr(GError) error = NULL;

  g_file_get_contents (fx->package, &contents, &len, &error);
  g_assert_no_error (error);
  g_assert_cmpmem (contents, len, g_bytes_get_data (package, NULL), g_bytes_get_size (package));
}

static void
test_sideload (Fixture       *fx,
               gconstpointer  data)
{
  gsize piece = GPOINTER_TO_SIZE (data);
  g_autoptr(GBytes) package = make_package (5 * BLOCK + 1234);
  g_autofree char *sha1 = sha1_of (package);
  g_autofree char *token = sign ("3f6a2b91", "2", sha1);
  Serve s = { .piece = piece };

  do_connect (fx, "sideload::");
  serve_sideload (fx, package, token, &s);
  g_assert_false (s.dropped);
  g_assert_cmpstr (s.final, ==, "DONEDONE");
  /* 6 blocks, verified (some twice) then installed */
  g_assert_cmpuint (s.requests, >, 12);
  assert_package_file (fx, package);
  g_assert_cmpuint (ub_emu_recovery_get_installs (fx->recovery), ==, 1);
  g_assert_cmpuint (ub_emu_recovery_get_bytes_received (fx->recovery), >=, 2 * g_bytes_get_size (package));
  g_assert_null (ub_emu_recovery_get_last_error (fx->recovery));
  g_assert_cmpint (g_atomic_int_get (&violations), ==, 0);

  /* The link stays up: the host can ask to reboot. */
  send_open (fx, 20, "reboot:");
  expect_packet (fx, A_OKAY, G_MAXUINT32, 20, NULL);
  expect_dropped (fx);
  g_assert_cmpstr (ub_emu_recovery_get_last_reboot (fx->recovery), ==, "");
  serve_clear (&s);
}

/* Blocks in a scrambled order with repeats; the same order every time. */
static void
test_sideload_order (Fixture       *fx,
                     gconstpointer  data)
{
  g_autoptr(GBytes) package = make_package (40 * BLOCK);
  g_autofree char *sha1 = sha1_of (package);
  g_autofree char *token = sign ("3f6a2b91", "2", sha1);
  g_autofree char *service = g_strdup_printf ("sideload-host:%zu:%d:%s:0",
                                              g_bytes_get_size (package), BLOCK, token);
  g_autoptr(GArray) order = g_array_new (FALSE, FALSE, sizeof (guint32));
  gboolean seen[40] = { FALSE };
  gboolean repeated = FALSE, scrambled = FALSE;
  const guint8 *bytes = g_bytes_get_data (package, NULL);
  guint32 remote;
  Packet p = { 0 };

  do_connect (fx, "sideload::");
  send_open (fx, 1, service);
  g_assert_true (recv_packet (fx, &p));
  remote = p.arg0;
  packet_clear (&p);
  for (;;)
    {
      guint32 block;

      g_assert_true (recv_packet (fx, &p));
      if (p.cmd == A_CLSE)
        break;
      send_packet (fx, A_OKAY, 1, remote, NULL, 0);
      if (!is_block_request (&p))
        {
          g_assert_cmpstr (packet_text (&p), ==, "DONEDONE");
          packet_clear (&p);
          continue;
        }
      block = (guint32) g_ascii_strtoull (packet_text (&p), NULL, 10);
      packet_clear (&p);
      g_array_append_val (order, block);
      send_packet (fx, A_WRTE, 1, remote, bytes + (gsize) block * BLOCK, BLOCK);
      expect_packet (fx, A_OKAY, remote, 1, NULL);
    }
  /* pass 1: every block, some twice, not in order; pass 2: 0..39 */
  g_assert_cmpuint (order->len, >, 80);
  for (guint i = 0; i < order->len - 40; i++)
    {
      guint32 b = g_array_index (order, guint32, i);

      repeated |= seen[b];
      seen[b] = TRUE;
      scrambled |= i > 0 && b != g_array_index (order, guint32, i - 1) + 1;
    }
  for (guint i = 0; i < 40; i++)
    {
      g_assert_true (seen[i]);
      g_assert_cmpuint (g_array_index (order, guint32, order->len - 40 + i), ==, i);
    }
  g_assert_true (repeated);
  g_assert_true (scrambled);
  assert_package_file (fx, package);
}

/* A token the recovery refuses: a failure text, no block asked, CLSE. */
static void
check_refused (Fixture    *fx,
               const char *token)
{
  g_autoptr(GBytes) package = make_package (3 * BLOCK);
  Serve s = { 0 };

  do_connect (fx, "sideload::");
  serve_sideload (fx, package, token, &s);
  g_assert_false (s.dropped);
  g_assert_cmpuint (s.requests, ==, 0);
  g_assert_nonnull (s.final);
  g_assert_true (g_str_has_prefix (s.final, "Verification failed"));
  g_assert_cmpstr (ub_emu_recovery_get_last_error (fx->recovery), ==, s.final);
  g_assert_cmpuint (ub_emu_recovery_get_installs (fx->recovery), ==, 0);
  serve_clear (&s);
}

static void
test_bad_token (Fixture       *fx,
                gconstpointer  data)
{
  check_refused (fx, "bm90IGEgdG9rZW4=");
}

static void
test_wrong_serial (Fixture       *fx,
                   gconstpointer  data)
{
  g_autofree char *token = sign ("deadbeef", "2", "0000000000000000000000000000000000000000");

  check_refused (fx, token);
}

static void
test_wrong_zone (Fixture       *fx,
                 gconstpointer  data)
{
  g_autofree char *token = sign ("3f6a2b91", "1", "0000000000000000000000000000000000000000");

  check_refused (fx, token);
}

/* A token for the version the phone ran before (the approval is for the
 * phone as it was when asked). */
static void
test_wrong_version (Fixture       *fx,
                    gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *token = ub_emu_token_sign ("3f6a2b91", "V12.5.5.0.RGGMIXM", "2",
                                              "0000000000000000000000000000000000000000",
                                              &error);

  g_assert_no_error (error);
  check_refused (fx, token);
}

static void
test_sha1_mismatch (Fixture       *fx,
                    gconstpointer  data)
{
  g_autoptr(GBytes) package = make_package (3 * BLOCK + 5);
  g_autoptr(GBytes) other = make_package (3 * BLOCK + 6);
  g_autofree char *sha1 = sha1_of (other);
  g_autofree char *token = sign ("3f6a2b91", "2", sha1);
  Serve s = { 0 };

  do_connect (fx, "sideload::");
  serve_sideload (fx, package, token, &s);
  g_assert_false (s.dropped);
  /* pass 1 only */
  g_assert_cmpuint (s.requests, >=, 4);
  g_assert_cmpuint (s.requests, <, 8);
  g_assert_nonnull (s.final);
  g_assert_cmpstr (s.final, !=, "DONEDONE");
  g_assert_nonnull (strstr (s.final, "failed"));
  g_assert_cmpuint (ub_emu_recovery_get_installs (fx->recovery), ==, 0);
  serve_clear (&s);
}

static void
test_fault_install_fail (Fixture       *fx,
                         gconstpointer  data)
{
  g_autoptr(GBytes) package = make_package (2 * BLOCK);
  g_autofree char *sha1 = sha1_of (package);
  g_autofree char *token = sign ("3f6a2b91", "2", sha1);
  Serve s = { 0 };

  ub_emu_recovery_set_fault (fx->recovery, UB_EMU_RECOVERY_FAULT_INSTALL_FAIL, 0, 0);
  do_connect (fx, "sideload::");
  serve_sideload (fx, package, token, &s);
  g_assert_cmpstr (s.final, ==, UB_EMU_RECOVERY_FAIL_TEXT);
  g_assert_cmpstr (ub_emu_recovery_get_last_error (fx->recovery), ==, UB_EMU_RECOVERY_FAIL_TEXT);
  g_assert_cmpuint (ub_emu_recovery_get_installs (fx->recovery), ==, 0);
  serve_clear (&s);
}

static void
test_fault_unplug (Fixture       *fx,
                   gconstpointer  data)
{
  g_autoptr(GBytes) package = make_package (8 * BLOCK);
  g_autofree char *sha1 = sha1_of (package);
  g_autofree char *token = sign ("3f6a2b91", "2", sha1);
  Serve s = { 0 };

  ub_emu_recovery_set_fault (fx->recovery, UB_EMU_RECOVERY_FAULT_UNPLUG, 3 * BLOCK, 0);
  do_connect (fx, "sideload::");
  serve_sideload (fx, package, token, &s);
  g_assert_true (s.dropped);
  g_assert_null (s.final);
  g_assert_cmpuint (s.requests, ==, 3);
  g_assert_cmpuint (ub_emu_recovery_get_bytes_received (fx->recovery), ==, 3 * BLOCK);
  g_assert_cmpuint (ub_emu_recovery_get_installs (fx->recovery), ==, 0);
  serve_clear (&s);
}

static void
test_fault_silence (Fixture       *fx,
                    gconstpointer  data)
{
  g_autoptr(GBytes) package = make_package (4 * BLOCK);
  g_autofree char *sha1 = sha1_of (package);
  g_autofree char *token = sign ("3f6a2b91", "2", sha1);
  Serve s = { 0 };

  ub_emu_recovery_set_fault (fx->recovery, UB_EMU_RECOVERY_FAULT_SILENCE, 2 * BLOCK, 700);
  do_connect (fx, "sideload::");
  serve_sideload (fx, package, token, &s);
  g_assert_cmpstr (s.final, ==, "DONEDONE");
  g_assert_cmpuint (s.max_gap_ms, >=, 650);
  assert_package_file (fx, package);
  serve_clear (&s);
}

/* Silent before the first block request. */
static void
test_fault_silence_first (Fixture       *fx,
                          gconstpointer  data)
{
  g_autoptr(GBytes) package = make_package (BLOCK + 7);
  g_autofree char *sha1 = sha1_of (package);
  g_autofree char *token = sign ("3f6a2b91", "2", sha1);
  Serve s = { 0 };

  ub_emu_recovery_set_fault (fx->recovery, UB_EMU_RECOVERY_FAULT_SILENCE, 0, 600);
  do_connect (fx, "sideload::");
  serve_sideload (fx, package, token, &s);
  g_assert_cmpstr (s.final, ==, "DONEDONE");
  g_assert_cmpuint (s.max_gap_ms, >=, 550);
  g_assert_cmpuint (ub_emu_recovery_get_installs (fx->recovery), ==, 1);
  serve_clear (&s);
}

static void
test_install_delay (Fixture       *fx,
                    gconstpointer  data)
{
  g_autoptr(GBytes) package = make_package (BLOCK / 2);
  g_autofree char *sha1 = sha1_of (package);
  g_autofree char *token = sign ("3f6a2b91", "2", sha1);
  Serve s = { 0 };

  ub_emu_recovery_set_install_delay (fx->recovery, 500);
  do_connect (fx, "sideload::");
  serve_sideload (fx, package, token, &s);
  g_assert_cmpstr (s.final, ==, "DONEDONE");
  g_assert_cmpuint (s.max_gap_ms, >=, 450);
  g_assert_cmpuint (ub_emu_recovery_get_installs (fx->recovery), ==, 1);
  serve_clear (&s);
}

static void
test_fault_auth (Fixture       *fx,
                 gconstpointer  data)
{
  static const char host[] = "host::\0";
  Packet p = { 0 };

  ub_emu_recovery_set_fault (fx->recovery, UB_EMU_RECOVERY_FAULT_AUTH, 0, 0);
  client_connect (fx);
  send_packet (fx, A_CNXN, 0x01000001, 1024 * 1024, host, sizeof host - 1);
  g_assert_true (recv_packet (fx, &p));
  g_assert_cmphex (p.cmd, ==, A_AUTH);
  g_assert_cmpuint (p.arg0, ==, 1);
  g_assert_cmpuint (g_bytes_get_size (p.data), ==, 20);
  packet_clear (&p);
}

static void
test_fault_not_sideload (Fixture       *fx,
                         gconstpointer  data)
{
  ub_emu_recovery_set_fault (fx->recovery, UB_EMU_RECOVERY_FAULT_NOT_SIDELOAD, 0, 0);
  do_connect (fx, "device::ro.product.name=begonia;");
  /* a started phone offers no Mi Assistant services */
  send_open (fx, 4, "getdevice:");
  expect_packet (fx, A_CLSE, 0, 4, NULL);
}

/* ------------------------------------------------------------------ */
/* Protocol violations: the device drops the link with a warning. */

static void
expect_violation (Fixture *fx)
{
  expect_dropped (fx);
  g_assert_cmpint (g_atomic_int_get (&violations), ==, 1);
}

static void
test_bad_magic (Fixture       *fx,
                gconstpointer  data)
{
  static const char host[] = "host::\0";

  client_connect (fx);
  send_packet_full (fx, A_CNXN, 0x01000001, 4096, host, sizeof host - 1, A_CNXN);
  expect_violation (fx);
}

static void
test_open_before_cnxn (Fixture       *fx,
                       gconstpointer  data)
{
  client_connect (fx);
  send_open (fx, 1, "getdevice:");
  expect_violation (fx);
}

static void
test_oversized (Fixture       *fx,
                gconstpointer  data)
{
  guint32 h[6] = {
    GUINT32_TO_LE (A_WRTE), 1, 1, GUINT32_TO_LE (1024 * 1024 + 1), 0,
    GUINT32_TO_LE (A_WRTE ^ 0xffffffffu),
  };

  do_connect (fx, "sideload::");
  send_raw (fx, h, sizeof h);
  expect_violation (fx);
}

static void
test_okay_unknown_stream (Fixture       *fx,
                          gconstpointer  data)
{
  do_connect (fx, "sideload::");
  send_packet (fx, A_OKAY, 7, 77, NULL, 0);
  expect_violation (fx);
}

static void
test_open_unterminated (Fixture       *fx,
                        gconstpointer  data)
{
  do_connect (fx, "sideload::");
  send_packet (fx, A_OPEN, 1, 0, "getdevice:", 10);
  expect_violation (fx);
}

/* Block data before acknowledging the request (a valid piece, so only the flow
 * control is broken), then more than the block (after the acknowledgement). */
static void
test_sideload_violations (Fixture       *fx,
                          gconstpointer  data)
{
  gboolean early = GPOINTER_TO_INT (data);
  g_autoptr(GBytes) package = make_package (2 * BLOCK);
  g_autofree char *sha1 = sha1_of (package);
  g_autofree char *token = sign ("3f6a2b91", "2", sha1);
  g_autofree char *service = g_strdup_printf ("sideload-host:%d:%d:%s:0", 2 * BLOCK, BLOCK, token);
  g_autofree guint8 *big = g_malloc0 (BLOCK + 1);
  guint32 remote;
  Packet p = { 0 };

  do_connect (fx, "sideload::");
  send_open (fx, 1, service);
  g_assert_true (recv_packet (fx, &p));
  remote = p.arg0;
  packet_clear (&p);
  g_assert_true (recv_packet (fx, &p));   /* a block request */
  g_assert_true (is_block_request (&p));
  packet_clear (&p);
  if (!early)
    send_packet (fx, A_OKAY, 1, remote, NULL, 0);
  send_packet (fx, A_WRTE, 1, remote, big, early ? BLOCK : BLOCK + 1);
  expect_violation (fx);
}

/* Data to a service that reads none. */
static void
test_write_to_info (Fixture       *fx,
                    gconstpointer  data)
{
  do_connect (fx, "sideload::");
  send_open (fx, 1, "getdevice:");
  send_packet (fx, A_WRTE, 1, 1, "hello", 5);
  expect_packet (fx, A_OKAY, 1, 1, NULL);
  expect_packet (fx, A_WRTE, 1, 1, "begonia\n");
  expect_violation (fx);
}

static void
collect_writes (const guint8 *data,
                gsize         len,
                gpointer      user_data)
{
  g_ptr_array_add (user_data, g_bytes_new (data, len));
}

/* The session fed directly, one byte at a time: header and payload come
 * out as separate writes (one USB transfer each). */
static void
test_session_bytewise (void)
{
  static const char host[] = "host::\0";
  g_autofree char *dir = ub_test_make_tmp_dir ("ub-emu-recovery-XXXXXX");
  g_autofree char *package = g_build_filename (dir, "package.zip", NULL);
  g_autoptr(UbEmuRecovery) recovery = ub_emu_recovery_new (package);
  g_autoptr(GPtrArray) out = g_ptr_array_new_with_free_func ((GDestroyNotify) g_bytes_unref);
  g_autoptr(UbEmuRecoverySession) session = ub_emu_recovery_session_new (recovery, NULL, collect_writes, out);
  guint32 h[6] = {
    GUINT32_TO_LE (A_CNXN), GUINT32_TO_LE (0x01000001), GUINT32_TO_LE (4096),
    GUINT32_TO_LE (sizeof host - 1), 0, GUINT32_TO_LE (A_CNXN ^ 0xffffffffu),
  };
  guint8 packet[sizeof h + sizeof host - 1];
  guint32 rh[6];

  g_atomic_int_set (&violations, 0);
  memcpy (packet, h, sizeof h);
  memcpy (packet + sizeof h, host, sizeof host - 1);
  for (gsize i = 0; i < sizeof packet; i++)
    {
      g_assert_true (ub_emu_recovery_session_feed (session, packet + i, 1));
      g_assert_cmpuint (out->len, ==, i + 1 < sizeof packet ? 0 : 2);
    }
  g_assert_cmpuint (g_bytes_get_size (out->pdata[0]), ==, 24);
  memcpy (rh, g_bytes_get_data (out->pdata[0], NULL), 24);
  g_assert_cmphex (GUINT32_FROM_LE (rh[0]), ==, A_CNXN);
  g_assert_cmpuint (GUINT32_FROM_LE (rh[3]), ==, strlen ("sideload::"));
  g_assert_cmpmem (g_bytes_get_data (out->pdata[1], NULL), g_bytes_get_size (out->pdata[1]),
                   "sideload::", strlen ("sideload::"));
  g_assert_false (ub_emu_recovery_session_is_closed (session));

  /* a bad magic closes it for good */
  h[5] = 0;
  memcpy (packet, h, sizeof h);
  g_assert_false (ub_emu_recovery_session_feed (session, packet, sizeof h));
  g_assert_true (ub_emu_recovery_session_is_closed (session));
  g_assert_false (ub_emu_recovery_session_feed (session, packet, 1));
  g_assert_cmpint (g_atomic_int_get (&violations), ==, 1);
  ub_test_rm_rf (dir);
}

static GLogWriterOutput
count_violations (GLogLevelFlags   level,
                  const GLogField *fields,
                  gsize            n_fields,
                  gpointer         user_data)
{
  for (gsize i = 0; i < n_fields; i++)
    if (g_strcmp0 (fields[i].key, "MESSAGE") == 0 && fields[i].length < 0 &&
        strstr (fields[i].value, "adb protocol violation") != NULL)
      {
        g_atomic_int_inc (&violations);
        if (g_getenv ("UB_TEST_VERBOSE"))
          g_printerr ("%s\n", (const char *) fields[i].value);
        return G_LOG_WRITER_HANDLED;
      }
  return g_log_writer_default (level, fields, n_fields, user_data);
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, NULL);
  g_log_set_writer_func (count_violations, NULL, NULL);

  g_test_add_func ("/emu-recovery/session-bytewise", test_session_bytewise);

#define T(path, func, data) \
  g_test_add (path, Fixture, data, fixture_setup, func, fixture_teardown)

  T ("/emu-recovery/connect", test_connect, NULL);
  T ("/emu-recovery/info-services", test_info_services, NULL);
  T ("/emu-recovery/format-data", test_format_data, NULL);
  T ("/emu-recovery/second-host-waits", test_second_host_waits, NULL);
  T ("/emu-recovery/unknown-service", test_unknown_service, NULL);
  T ("/emu-recovery/reboot/system", test_reboot, "");
  T ("/emu-recovery/reboot/bootloader", test_reboot, "bootloader");
  T ("/emu-recovery/reboot/recovery", test_reboot, "recovery");
  T ("/emu-recovery/sideload/whole-blocks", test_sideload, GSIZE_TO_POINTER (BLOCK));
  T ("/emu-recovery/sideload/pieces", test_sideload, GSIZE_TO_POINTER (10000));
  T ("/emu-recovery/sideload/order", test_sideload_order, NULL);
  T ("/emu-recovery/sideload/bad-token", test_bad_token, NULL);
  T ("/emu-recovery/sideload/wrong-serial", test_wrong_serial, NULL);
  T ("/emu-recovery/sideload/wrong-zone", test_wrong_zone, NULL);
  T ("/emu-recovery/sideload/wrong-version", test_wrong_version, NULL);
  T ("/emu-recovery/sideload/sha1-mismatch", test_sha1_mismatch, NULL);
  T ("/emu-recovery/sideload/install-delay", test_install_delay, NULL);
  T ("/emu-recovery/fault/install-fail", test_fault_install_fail, NULL);
  T ("/emu-recovery/fault/unplug", test_fault_unplug, NULL);
  T ("/emu-recovery/fault/unplug-format", test_fault_unplug_format, NULL);
  T ("/emu-recovery/fault/silence", test_fault_silence, NULL);
  T ("/emu-recovery/fault/silence-first", test_fault_silence_first, NULL);
  T ("/emu-recovery/fault/auth", test_fault_auth, NULL);
  T ("/emu-recovery/fault/not-sideload", test_fault_not_sideload, NULL);
  T ("/emu-recovery/violation/bad-magic", test_bad_magic, NULL);
  T ("/emu-recovery/violation/open-before-cnxn", test_open_before_cnxn, NULL);
  T ("/emu-recovery/violation/oversized", test_oversized, NULL);
  T ("/emu-recovery/violation/okay-unknown-stream", test_okay_unknown_stream, NULL);
  T ("/emu-recovery/violation/open-unterminated", test_open_unterminated, NULL);
  T ("/emu-recovery/violation/data-before-okay", test_sideload_violations, GINT_TO_POINTER (TRUE));
  T ("/emu-recovery/violation/data-beyond-block", test_sideload_violations, GINT_TO_POINTER (FALSE));
  T ("/emu-recovery/violation/write-to-info", test_write_to_info, NULL);

  return g_test_run ();
}
