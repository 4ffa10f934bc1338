/* SPDX-License-Identifier: GPL-3.0-or-later */
/* The locked demo phone: a fastboot phone with its bootloader locked, the
 * recovery it enters (Mi Assistant over adb TCP), the demo recovery ROMs on
 * the mirror, and the fake update server's approval of them for this phone. */
#include "config.h"

#include <gio/gio.h>
#include <libsoup/soup.h>
#include <string.h>

#include "ub-emu-demo.h"
#include "ub-emu-recovery.h"
#include "ub-emu-xiaomi-key.h"
#include "ub-fastboot-client.h"
#include "ub-transport-open.h"
#include "ub-update-server.h"

#define CNXN 0x4e584e43u

static GSocketConnection *
connect_to (const char  *address,
            GError     **error)
{
  g_autoptr(GSocketClient) client = g_socket_client_new ();

  g_assert_true (g_str_has_prefix (address, "tcp:"));
  return g_socket_client_connect_to_host (client, address + 4, 0, NULL, error);
}

/* A fastboot variable of the phone at @address, through the client. */
static char *
fastboot_getvar (const char *address,
                 const char *name)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(UbTransport) transport = ub_transport_open (address, NULL, &error);
  g_autoptr(UbFastbootClient) client = NULL;
  char *value;

  g_assert_no_error (error);
  client = ub_fastboot_client_new (transport);
  value = ub_fastboot_client_getvar (client, name, NULL, &error);
  g_assert_no_error (error);
  return value;
}

static void
put32 (guint8  *p,
       guint32  v)
{
  p[0] = v;
  p[1] = v >> 8;
  p[2] = v >> 16;
  p[3] = v >> 24;
}

static guint32
get32 (const guint8 *p)
{
  return p[0] | (p[1] << 8) | (p[2] << 16) | ((guint32) p[3] << 24);
}

static GBytes *
http_get (const char *url)
{
  g_autoptr(SoupSession) session = soup_session_new ();
  g_autoptr(SoupMessage) msg = soup_message_new (SOUP_METHOD_GET, url);
  g_autoptr(GError) error = NULL;
  GBytes *body = soup_session_send_and_read (session, msg, NULL, &error);

  g_assert_no_error (error);
  g_assert_cmpuint (soup_message_get_status (msg), ==, SOUP_STATUS_OK);
  return body;
}

static void
test_locked_phone (void)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(UbEmuDemo) demo = ub_emu_demo_new (&error);
  g_autofree char *locked = NULL;
  g_autofree char *unlocked_var = NULL, *serial_var = NULL, *product_var = NULL;
  g_autoptr(UbUpdateServer) server = NULL;
  g_autoptr(UbUpdateQuery) query = ub_update_query_new ();
  g_autoptr(GPtrArray) roms = NULL;
  g_autoptr(UbRomApproval) approval = NULL;
  g_autoptr(UbEmuToken) token = NULL;
  g_autoptr(GBytes) file = NULL;
  g_autofree char *url = NULL;
  g_autofree char *md5 = NULL, *sha1 = NULL, *expected_name = NULL;
  const char *mirrors[2] = { NULL, NULL };
  g_auto(GStrv) urls = NULL;
  UbEmuRecovery *recovery;
  UbUpdateRom *current;

  g_assert_no_error (error);
  g_assert_null (ub_emu_demo_get_locked_address (demo));
  g_assert_null (ub_emu_demo_get_recovery_address (demo));
  g_assert_null (ub_emu_demo_get_update_server_url (demo));
  g_assert_null (ub_emu_demo_get_recovery (demo));

  g_assert_true (ub_emu_demo_enable_locked_phone (demo, &error));
  g_assert_no_error (error);
  locked = g_strdup (ub_emu_demo_get_locked_address (demo));
  g_assert_nonnull (locked);
  g_assert_cmpstr (locked, !=, ub_emu_demo_get_address (demo));
  /* idempotent */
  g_assert_true (ub_emu_demo_enable_locked_phone (demo, &error));
  g_assert_cmpstr (ub_emu_demo_get_locked_address (demo), ==, locked);

  /* a locked fastboot phone with its own serial, the demo ROM's product */
  unlocked_var = fastboot_getvar (locked, "unlocked");
  g_assert_cmpstr (unlocked_var, ==, "no");
  serial_var = fastboot_getvar (locked, "serialno");
  g_assert_cmpstr (serial_var, ==, "5c7e19a4");
  product_var = fastboot_getvar (locked, "product");
  g_assert_cmpstr (product_var, ==, "alioth");
  g_assert_cmpstr (serial_var, !=, ub_emu_phone_get_serial (ub_emu_demo_get_phone (demo)));

  /* the recovery knows the same phone */
  recovery = ub_emu_demo_get_recovery (demo);
  g_assert_nonnull (recovery);
  g_assert_cmpstr (ub_emu_recovery_get_info (recovery, "sn"), ==, "5c7e19a4");
  g_assert_cmpstr (ub_emu_recovery_get_info (recovery, "device"), ==, "alioth");
  g_assert_cmpstr (ub_emu_recovery_get_info (recovery, "version"), ==, UB_EMU_DEMO_ROM_VERSION);
  g_assert_cmpstr (ub_emu_recovery_get_info (recovery, "romzone"), ==, "2");

  /* the fake update server lists the recovery ROMs for it, the current one first */
  query->device = g_strdup (ub_emu_recovery_get_info (recovery, "device"));
  query->version = g_strdup (ub_emu_recovery_get_info (recovery, "version"));
  query->serial = g_strdup (ub_emu_recovery_get_info (recovery, "sn"));
  query->codebase = g_strdup (ub_emu_recovery_get_info (recovery, "codebase"));
  query->branch = g_strdup (ub_emu_recovery_get_info (recovery, "branch"));
  query->zone = g_strdup (ub_emu_recovery_get_info (recovery, "romzone"));
  url = g_strconcat (ub_emu_demo_get_update_server_url (demo), "/updates/miotaV3.php", NULL);
  server = ub_update_server_new ();
  ub_update_server_set_urls (server, url, url);
  roms = ub_update_server_list_roms (server, query, NULL, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (roms->len, ==, 2);
  current = roms->pdata[0];
  g_assert_true (ub_update_rom_get_is_current (current));
  g_assert_cmpstr (ub_update_rom_get_version (current), ==, UB_EMU_DEMO_ROM_VERSION);
  g_assert_cmpstr (ub_update_rom_get_version (roms->pdata[1]), ==, "V14.0.9.0.TKHMIXM");

  /* the ROM is on the demo mirror, a real zip named as Xiaomi names them */
  mirrors[0] = ub_emu_demo_get_mirror_url (demo, &error);
  g_assert_no_error (error);
  urls = ub_update_rom_dup_urls (current, mirrors);
  file = http_get (urls[0]);
  g_assert_cmpuint (g_bytes_get_size (file), >, 3 * 1024 * 1024);
  g_assert_cmpmem (g_bytes_get_data (file, NULL), 4, "PK\003\004", 4);
  md5 = g_compute_checksum_for_bytes (G_CHECKSUM_MD5, file);
  sha1 = g_compute_checksum_for_bytes (G_CHECKSUM_SHA1, file);
  g_assert_cmpstr (ub_update_rom_get_md5 (current), ==, md5);
  expected_name = g_strdup_printf ("miui_ALIOTHGlobal_%s_%.10s_13.0.zip", UB_EMU_DEMO_ROM_VERSION, md5);
  g_assert_cmpstr (ub_update_rom_get_filename (current), ==, expected_name);

  /* approved for this phone: the token names its serial, zone and the file's SHA-1 */
  approval = ub_update_server_approve (server, query, md5, NULL, &error);
  g_assert_no_error (error);
  g_assert_false (ub_rom_approval_get_erase (approval));
  token = ub_emu_token_verify (ub_rom_approval_get_token (approval), &error);
  g_assert_no_error (error);
  g_assert_cmpstr (token->serial, ==, "5c7e19a4");
  g_assert_cmpstr (token->zone, ==, "2");
  g_assert_cmpstr (token->version, ==, UB_EMU_DEMO_ROM_VERSION);
  g_assert_cmpstr (token->sha1, ==, sha1);

  /* Volume Up + Power: fastboot goes away, the recovery listens */
  g_assert_true (ub_emu_demo_enter_recovery (demo, &error));
  g_assert_no_error (error);
  g_assert_null (ub_emu_demo_get_locked_address (demo));
  g_assert_nonnull (ub_emu_demo_get_recovery_address (demo));
  {
    g_autoptr(GSocketConnection) gone = connect_to (locked, &error);
    g_assert_null (gone);
    g_assert_error (error, G_IO_ERROR, G_IO_ERROR_CONNECTION_REFUSED);
    g_clear_error (&error);
  }
  /* idempotent */
  g_assert_true (ub_emu_demo_enter_recovery (demo, &error));

  {
    /* a raw CNXN: the recovery answers as Mi Assistant ("sideload::") */
    g_autoptr(GSocketConnection) adb = connect_to (ub_emu_demo_get_recovery_address (demo), &error);
    static const char banner[] = "host::";
    guint8 header[24];
    guint8 reply[24];
    char payload[4097] = { 0 };
    gsize got = 0;
    guint32 length;
    GInputStream *in;
    GOutputStream *out;

    g_assert_no_error (error);
    in = g_io_stream_get_input_stream (G_IO_STREAM (adb));
    out = g_io_stream_get_output_stream (G_IO_STREAM (adb));
    put32 (header, CNXN);
    put32 (header + 4, 0x01000001);
    put32 (header + 8, 1024 * 1024);
    put32 (header + 12, sizeof banner);
    put32 (header + 16, 0);
    put32 (header + 20, CNXN ^ 0xffffffffu);
    g_assert_true (g_output_stream_write_all (out, header, 24, NULL, NULL, &error));
    g_assert_true (g_output_stream_write_all (out, banner, sizeof banner, NULL, NULL, &error));
    g_assert_true (g_input_stream_read_all (in, reply, 24, &got, NULL, &error));
    g_assert_no_error (error);
    g_assert_cmpuint (got, ==, 24);
    g_assert_cmphex (get32 (reply), ==, CNXN);
    g_assert_cmphex (get32 (reply + 20), ==, CNXN ^ 0xffffffffu);
    length = get32 (reply + 12);
    g_assert_cmpuint (length, >, 0);
    g_assert_cmpuint (length, <, sizeof payload);
    g_assert_true (g_input_stream_read_all (in, payload, length, &got, NULL, &error));
    g_assert_no_error (error);
    g_assert_true (g_str_has_prefix (payload, "sideload::"));
  }
}

int
main (int    argc,
      char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/demo-locked/phone", test_locked_phone);
  return g_test_run ();
}
