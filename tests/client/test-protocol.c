/* SPDX-License-Identifier: GPL-3.0-or-later */
/* Protocol client unit tests against a scripted transport. */
#include "config.h"

#include <string.h>

#include "ub-fastboot-client.h"
#include "ub-fastboot-error.h"
#include "ub-fastboot-protocol.h"
#include "ub-script-transport.h"

static void
test_parse_response (void)
{
  UbFastbootResponseKind kind;
  g_autoptr(GError) error = NULL;
  char *payload = NULL;

  g_assert_true (ub_fastboot_parse_response ((const guint8 *) "OKAYalioth", 10, &kind, &payload, &error));
  g_assert_cmpint (kind, ==, UB_FASTBOOT_RESPONSE_OKAY);
  g_assert_cmpstr (payload, ==, "alioth");
  g_free (payload);

  g_assert_true (ub_fastboot_parse_response ((const guint8 *) "OKAY", 4, &kind, &payload, &error));
  g_assert_cmpstr (payload, ==, "");
  g_free (payload);

  /* a NUL-terminated payload from a C device */
  g_assert_true (ub_fastboot_parse_response ((const guint8 *) "FAILno\0junk", 11, &kind, &payload, &error));
  g_assert_cmpint (kind, ==, UB_FASTBOOT_RESPONSE_FAIL);
  g_assert_cmpstr (payload, ==, "no");
  g_free (payload);

  g_assert_true (ub_fastboot_parse_response ((const guint8 *) "DATA00001000", 12, &kind, &payload, &error));
  g_assert_cmpint (kind, ==, UB_FASTBOOT_RESPONSE_DATA);
  g_free (payload);
  g_assert_true (ub_fastboot_parse_response ((const guint8 *) "TEXTabc", 7, &kind, &payload, &error));
  g_assert_cmpint (kind, ==, UB_FASTBOOT_RESPONSE_TEXT);
  g_free (payload);
  g_assert_true (ub_fastboot_parse_response ((const guint8 *) "INFOx", 5, &kind, &payload, &error));
  g_assert_cmpint (kind, ==, UB_FASTBOOT_RESPONSE_INFO);
  g_free (payload);

  g_assert_false (ub_fastboot_parse_response ((const guint8 *) "OKA", 3, &kind, &payload, &error));
  g_assert_error (error, UB_FASTBOOT_ERROR, UB_FASTBOOT_ERROR_PROTOCOL);
  g_clear_error (&error);
  g_assert_false (ub_fastboot_parse_response ((const guint8 *) "WHAT?", 5, &kind, &payload, &error));
  g_assert_error (error, UB_FASTBOOT_ERROR, UB_FASTBOOT_ERROR_PROTOCOL);
  g_assert_nonnull (strstr (error->message, "WHAT"));
}

static void
test_parse_number (void)
{
  static const struct { const char *text; gboolean implicit_hex; guint64 value; } good[] = {
    { "805306368", FALSE, 805306368 },          /* ABL max-download-size, decimal */
    { "0x10000000", FALSE, 0x10000000 },        /* fastbootd */
    { "\t0x100000", FALSE, 0x100000 },          /* LK, leading tab */
    { " 0x20000000\n", FALSE, 0x20000000 },     /* ABL partition-size, spaces */
    { "0X1F", FALSE, 0x1f },
    { "1A92FFB000", TRUE, 0x1A92FFB000 },       /* implicit hex partition-size */
    { " 0x220000000", TRUE, 0x220000000 },
    { "100", TRUE, 0x100 },
    { "100", FALSE, 100 },
  };
  static const struct { const char *text; gboolean implicit_hex; } bad[] = {
    { "", FALSE }, { "  ", FALSE }, { "0x", FALSE }, { "12abc", FALSE }, { "1A", FALSE },
    { "-5", FALSE }, { "0xZZ", TRUE }, { "99999999999999999999999", FALSE }, { "yes", TRUE },
  };

  for (gsize i = 0; i < G_N_ELEMENTS (good); i++)
    {
      g_autoptr(GError) error = NULL;
      guint64 v = 0;
      g_assert_true (ub_fastboot_parse_number (good[i].text, good[i].implicit_hex, &v, &error));
      g_assert_no_error (error);
      g_assert_cmpuint (v, ==, good[i].value);
    }
  for (gsize i = 0; i < G_N_ELEMENTS (bad); i++)
    {
      g_autoptr(GError) error = NULL;
      guint64 v = 0;
      g_assert_false (ub_fastboot_parse_number (bad[i].text, bad[i].implicit_hex, &v, &error));
      g_assert_error (error, UB_FASTBOOT_ERROR, UB_FASTBOOT_ERROR_PROTOCOL);
    }
}

static void
test_data_size_and_commands (void)
{
  g_autoptr(GError) error = NULL;
  guint32 v = 0;
  g_autofree char *long_cmd = g_strnfill (65, 'x');
  g_autofree char *max_cmd = g_strnfill (64, 'x');

  g_assert_true (ub_fastboot_parse_data_size ("0400000a", &v, NULL));
  g_assert_cmpuint (v, ==, 0x0400000a);
  g_assert_false (ub_fastboot_parse_data_size ("1234", &v, NULL));
  g_assert_false (ub_fastboot_parse_data_size ("1234567g", &v, NULL));

  g_assert_true (ub_fastboot_check_command (max_cmd, NULL));
  g_assert_false (ub_fastboot_check_command (long_cmd, &error));
  g_assert_error (error, UB_FASTBOOT_ERROR, UB_FASTBOOT_ERROR_INVALID_ARGUMENT);
  g_clear_error (&error);
  g_assert_false (ub_fastboot_check_command ("oem a\nb", &error));
  g_assert_error (error, UB_FASTBOOT_ERROR, UB_FASTBOOT_ERROR_INVALID_ARGUMENT);

  g_assert_true (ub_fastboot_partition_has_suffix ("boot_a"));
  g_assert_true (ub_fastboot_partition_has_suffix ("boot_ab"));
  g_assert_false (ub_fastboot_partition_has_suffix ("boot"));
  g_assert_false (ub_fastboot_partition_has_suffix ("userdata"));

  /* the one partition-name rule (scripts, checks, CLI, advanced page) */
  g_assert_true (ub_fastboot_partition_name_is_valid ("boot_ab"));
  g_assert_true (ub_fastboot_partition_name_is_valid ("vendor-boot.1"));
  g_assert_true (ub_fastboot_partition_name_is_valid ("abcdefghijklmnopqrstuvwxyz012345678"));  /* 35 */
  g_assert_false (ub_fastboot_partition_name_is_valid ("abcdefghijklmnopqrstuvwxyz0123456789")); /* 36 */
  g_assert_false (ub_fastboot_partition_name_is_valid (""));
  g_assert_false (ub_fastboot_partition_name_is_valid (NULL));
  g_assert_false (ub_fastboot_partition_name_is_valid ("boot a"));
  g_assert_false (ub_fastboot_partition_name_is_valid ("boot:a"));
  g_assert_false (ub_fastboot_partition_name_is_valid ("../boot"));
  {
    g_auto(GStrv) both = ub_fastboot_partition_split_ab ("vbmeta_ab");
    g_assert_nonnull (both);
    g_assert_cmpstr (both[0], ==, "vbmeta_a");
    g_assert_cmpstr (both[1], ==, "vbmeta_b");
    g_assert_null (both[2]);
    g_assert_null (ub_fastboot_partition_split_ab ("vbmeta_a"));
    g_assert_null (ub_fastboot_partition_split_ab ("_ab"));
    g_assert_null (ub_fastboot_partition_split_ab ("super"));
  }

  {
    g_autofree char *a = ub_fastboot_normalize_slot ("_b");
    g_autofree char *b = ub_fastboot_normalize_slot (" a\n");
    g_autofree char *c = ub_fastboot_normalize_slot ("  ");
    g_assert_cmpstr (a, ==, "b");
    g_assert_cmpstr (b, ==, "a");
    g_assert_null (c);
  }
}

static void
on_info (UbFastbootClient *client, const char *text, GPtrArray *lines)
{
  g_ptr_array_add (lines, g_strdup (text));
}

static void
test_getvar (void)
{
  g_autoptr(UbScriptTransport) t = ub_script_transport_new ();
  g_autoptr(UbFastbootClient) client = ub_fastboot_client_new (UB_TRANSPORT (t));
  g_autoptr(GPtrArray) infos = g_ptr_array_new_with_free_func (g_free);
  g_autoptr(GError) error = NULL;
  g_autofree char *product = NULL;
  g_autofree char *token = NULL;
  g_auto(GStrv) all = NULL;

  g_signal_connect (client, "info", G_CALLBACK (on_info), infos);
  ub_script_transport_expect (t, "getvar:product", "INFOchecking", "OKAYalioth", NULL);
  ub_script_transport_expect (t, "getvar:token", "FAILGetVar Variable Not found", NULL);
  ub_script_transport_expect (t, "getvar:all", "INFOcrc:1", "INFOanti:1", "TEXTlong line", "OKAY", NULL);

  product = ub_fastboot_client_getvar (client, "product", NULL, &error);
  g_assert_no_error (error);
  g_assert_cmpstr (product, ==, "alioth");
  g_assert_cmpuint (infos->len, ==, 1);
  g_assert_cmpstr (g_ptr_array_index (infos, 0), ==, "checking");

  token = ub_fastboot_client_getvar (client, "token", NULL, &error);
  g_assert_null (token);
  g_assert_error (error, UB_FASTBOOT_ERROR, UB_FASTBOOT_ERROR_REMOTE);
  g_assert_cmpstr (error->message, ==, "GetVar Variable Not found");
  g_clear_error (&error);

  all = ub_fastboot_client_getvar_all (client, NULL, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (g_strv_length (all), ==, 2);
  g_assert_cmpstr (all[0], ==, "crc:1");
  g_assert_cmpstr (all[1], ==, "anti:1");
  g_assert_cmpuint (infos->len, ==, 4);  /* INFO and TEXT both signalled */
  g_assert_true (ub_script_transport_is_done (t));
}

static void
test_timeout (void)
{
  g_autoptr(UbScriptTransport) t = ub_script_transport_new ();
  g_autoptr(UbFastbootClient) client = ub_fastboot_client_new (UB_TRANSPORT (t));
  g_autoptr(GError) error = NULL;
  g_autofree char *value = NULL;

  ub_script_transport_expect (t, "getvar:product", NULL);  /* the device says nothing */
  value = ub_fastboot_client_getvar (client, "product", NULL, &error);
  g_assert_null (value);
  g_assert_error (error, UB_FASTBOOT_ERROR, UB_FASTBOOT_ERROR_TIMEOUT);
  g_assert_nonnull (strstr (error->message, "getvar:product"));
}

static void
test_max_download_size (void)
{
  g_autoptr(UbScriptTransport) t = ub_script_transport_new ();
  g_autoptr(UbFastbootClient) client = ub_fastboot_client_new (UB_TRANSPORT (t));
  g_autoptr(GError) error = NULL;

  ub_script_transport_expect (t, "getvar:max-download-size", "OKAY805306368", NULL);
  g_assert_cmpuint (ub_fastboot_client_get_max_download_size (client, NULL, &error), ==, 805306368);
  g_assert_no_error (error);
  /* cached: no second query */
  g_assert_cmpuint (ub_fastboot_client_get_max_download_size (client, NULL, &error), ==, 805306368);
  g_assert_true (ub_script_transport_is_done (t));
}

static void
test_resolve_partition (void)
{
  g_autoptr(UbScriptTransport) t = ub_script_transport_new ();
  g_autoptr(UbFastbootClient) client = ub_fastboot_client_new (UB_TRANSPORT (t));
  g_autoptr(GError) error = NULL;
  g_autofree char *boot = NULL;
  g_autofree char *dtbo = NULL;
  g_autofree char *userdata = NULL;
  g_autofree char *abl = NULL;
  g_autofree char *boot_b = NULL;

  ub_script_transport_expect (t, "getvar:has-slot:boot", "OKAYyes", NULL);
  ub_script_transport_expect (t, "getvar:current-slot", "OKAY_b", NULL);
  ub_script_transport_expect (t, "getvar:has-slot:dtbo", "FAILGetVar Variable Not found", NULL);
  ub_script_transport_expect (t, "getvar:has-slot:userdata", "OKAYno", NULL);

  boot = ub_fastboot_client_resolve_partition (client, "boot", NULL, &error);
  g_assert_no_error (error);
  g_assert_cmpstr (boot, ==, "boot_b");
  dtbo = ub_fastboot_client_resolve_partition (client, "dtbo", NULL, &error);
  g_assert_cmpstr (dtbo, ==, "dtbo");
  userdata = ub_fastboot_client_resolve_partition (client, "userdata", NULL, &error);
  g_assert_cmpstr (userdata, ==, "userdata");
  /* suffixed and Xiaomi _ab names pass through without a query */
  abl = ub_fastboot_client_resolve_partition (client, "abl_ab", NULL, &error);
  g_assert_cmpstr (abl, ==, "abl_ab");
  boot_b = ub_fastboot_client_resolve_partition (client, "boot_b", NULL, &error);
  g_assert_cmpstr (boot_b, ==, "boot_b");
  g_assert_no_error (error);
  g_assert_true (ub_script_transport_is_done (t));
}

static void
test_download (void)
{
  g_autoptr(UbScriptTransport) t = ub_script_transport_new ();
  g_autoptr(UbFastbootClient) client = ub_fastboot_client_new (UB_TRANSPORT (t));
  g_autoptr(GError) error = NULL;
  g_autofree guint8 *data = g_malloc (10 * 1024 * 1024);
  g_autoptr(GInputStream) stream = NULL;
  g_autofree char *expected = NULL;
  g_autofree char *got = NULL;

  for (gsize i = 0; i < 10 * 1024 * 1024; i++)
    data[i] = (guint8) (i * 7 + (i >> 13));
  expected = g_compute_checksum_for_data (G_CHECKSUM_SHA256, data, 10 * 1024 * 1024);
  stream = g_memory_input_stream_new_from_data (data, 10 * 1024 * 1024, NULL);

  ub_script_transport_expect (t, "download:00a00000", "DATA00a00000", NULL);
  ub_script_transport_expect_data (t, 10 * 1024 * 1024, "INFOreceived", "OKAY", NULL);
  g_assert_true (ub_fastboot_client_download (client, stream, 10 * 1024 * 1024, NULL, NULL, NULL, &error));
  g_assert_no_error (error);
  got = ub_script_transport_get_data_checksum (t);
  g_assert_cmpstr (got, ==, expected);
  g_assert_true (ub_script_transport_is_done (t));
}

static void
test_download_size_mismatch (void)
{
  g_autoptr(UbScriptTransport) t = ub_script_transport_new ();
  g_autoptr(UbFastbootClient) client = ub_fastboot_client_new (UB_TRANSPORT (t));
  g_autoptr(GError) error = NULL;
  static guint8 data[8192];
  g_autoptr(GInputStream) stream = g_memory_input_stream_new_from_data (data, sizeof data, NULL);
  g_autofree char *value = NULL;
  GPtrArray *log;

  ub_script_transport_expect (t, "download:00002000", "DATA00001000", NULL);
  g_assert_false (ub_fastboot_client_download (client, stream, sizeof data, NULL, NULL, NULL, &error));
  g_assert_error (error, UB_FASTBOOT_ERROR, UB_FASTBOOT_ERROR_PROTOCOL);
  g_assert_cmpstr (error->message, ==,
                   "The phone asked for 4096 bytes instead of the 8192 announced; nothing was sent");
  g_clear_error (&error);
  /* no data was sent and the client refuses to go on out of step */
  log = ub_script_transport_get_log (t);
  g_assert_cmpuint (log->len, ==, 1);
  value = ub_fastboot_client_getvar (client, "product", NULL, &error);
  g_assert_null (value);
  g_assert_error (error, UB_FASTBOOT_ERROR, UB_FASTBOOT_ERROR_PROTOCOL);
  g_assert_cmpuint (log->len, ==, 1);
}

static void
test_remote_failures (void)
{
  g_autoptr(UbScriptTransport) t = ub_script_transport_new ();
  g_autoptr(UbFastbootClient) client = ub_fastboot_client_new (UB_TRANSPORT (t));
  g_autoptr(GError) error = NULL;

  ub_script_transport_expect (t, "getvar:has-slot:userdata", "FAILGetVar Variable Not found", NULL);
  ub_script_transport_expect (t, "erase:userdata", "FAILErase is not allowed in Lock State", NULL);
  ub_script_transport_expect (t, "set_active:a", "FAILSlot Change is not allowed in Lock State\n", NULL);
  ub_script_transport_expect (t, "reboot-bootloader", "OKAY", NULL);

  g_assert_false (ub_fastboot_client_erase (client, "userdata", NULL, &error));
  g_assert_error (error, UB_FASTBOOT_ERROR, UB_FASTBOOT_ERROR_REMOTE);
  g_assert_cmpstr (error->message, ==, "Erasing “userdata”: Erase is not allowed in Lock State");
  g_clear_error (&error);

  g_assert_false (ub_fastboot_client_set_active (client, "_a", NULL, &error));
  g_assert_error (error, UB_FASTBOOT_ERROR, UB_FASTBOOT_ERROR_REMOTE);
  g_assert_cmpstr (error->message, ==, "Slot Change is not allowed in Lock State");
  g_clear_error (&error);

  g_assert_false (ub_fastboot_client_set_active (client, "c d", NULL, &error));
  g_assert_error (error, UB_FASTBOOT_ERROR, UB_FASTBOOT_ERROR_INVALID_ARGUMENT);
  g_clear_error (&error);

  g_assert_false (ub_fastboot_client_reboot (client, "sideways", NULL, &error));
  g_assert_error (error, UB_FASTBOOT_ERROR, UB_FASTBOOT_ERROR_INVALID_ARGUMENT);
  g_clear_error (&error);
  g_assert_true (ub_fastboot_client_reboot (client, "bootloader", NULL, &error));
  g_assert_no_error (error);
  g_assert_true (ub_script_transport_is_done (t));
}

static void
test_deferred_failure (void)
{
  g_autoptr(UbScriptTransport) t = ub_script_transport_new ();
  g_autoptr(UbFastbootClient) client = ub_fastboot_client_new (UB_TRANSPORT (t));
  g_autoptr(GError) error = NULL;
  static guint8 data[4096];
  g_autoptr(GInputStream) stream = g_memory_input_stream_new_from_data (data, sizeof data, NULL);

  ub_script_transport_expect (t, "download:00001000",
                              "FAILError: Last flash failed : Device Error", NULL);
  g_assert_false (ub_fastboot_client_download (client, stream, sizeof data, NULL, NULL, NULL, &error));
  g_assert_error (error, UB_FASTBOOT_ERROR, UB_FASTBOOT_ERROR_DEFERRED);
  g_assert_cmpstr (error->message, ==,
                   "The previous write failed on the phone: Error: Last flash failed : Device Error");
}

static void
test_command_too_long (void)
{
  g_autoptr(UbScriptTransport) t = ub_script_transport_new ();
  g_autoptr(UbFastbootClient) client = ub_fastboot_client_new (UB_TRANSPORT (t));
  g_autoptr(GError) error = NULL;
  g_autofree char *args = g_strnfill (70, 'a');

  g_assert_false (ub_fastboot_client_oem (client, args, NULL, NULL, &error));
  g_assert_error (error, UB_FASTBOOT_ERROR, UB_FASTBOOT_ERROR_INVALID_ARGUMENT);
  g_assert_cmpuint (ub_script_transport_get_log (t)->len, ==, 0);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/protocol/parse-response", test_parse_response);
  g_test_add_func ("/protocol/parse-number", test_parse_number);
  g_test_add_func ("/protocol/data-size-and-commands", test_data_size_and_commands);
  g_test_add_func ("/client/getvar", test_getvar);
  g_test_add_func ("/client/timeout", test_timeout);
  g_test_add_func ("/client/max-download-size", test_max_download_size);
  g_test_add_func ("/client/resolve-partition", test_resolve_partition);
  g_test_add_func ("/client/download", test_download);
  g_test_add_func ("/client/download-size-mismatch", test_download_size_mismatch);
  g_test_add_func ("/client/remote-failures", test_remote_failures);
  g_test_add_func ("/client/deferred-failure", test_deferred_failure);
  g_test_add_func ("/client/command-too-long", test_command_too_long);
  return g_test_run ();
}
