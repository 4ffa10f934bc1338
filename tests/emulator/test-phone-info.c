/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * UbPhoneInfo: parsing of getvar values, and the probe against the emulated
 * phone over TCP (in process).
 */
#include "config.h"

#include <glib/gstdio.h>

#include "ub-emu-phone.h"
#include "ub-emu-tcp-server.h"
#include "ub-fastboot-error.h"
#include "ub-phone-info.h"

#include "ub-test-phone.h"

/* dir, phone, server, address */
typedef UbTestPhone Fixture;

static void
fixture_setup (Fixture      *f,
               gconstpointer data)
{
  ub_test_phone_init (f, NULL);
}

static void
fixture_teardown (Fixture      *f,
                  gconstpointer data)
{
  ub_test_phone_clear (f);
}

static void
on_probed (GObject      *source,
           GAsyncResult *result,
           gpointer      user_data)
{
  GAsyncResult **out = user_data;

  g_assert_null (source);
  *out = g_object_ref (result);
}

/* Runs the async probe to completion on a main loop. */
static UbPhoneInfo *
probe (const char   *address,
       GCancellable *cancellable,
       GError      **error)
{
  g_autoptr(GAsyncResult) result = NULL;

  ub_phone_info_probe_async (address, cancellable, on_probed, &result);
  while (result == NULL)
    g_main_context_iteration (NULL, TRUE);
  return ub_phone_info_probe_finish (result, error);
}

static void
test_probe_default (Fixture      *f,
                    gconstpointer data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(UbPhoneInfo) info = probe (f->address, NULL, &error);

  g_assert_no_error (error);
  g_assert_nonnull (info);
  /* the default profile (src/emulator/alioth.ini) */
  g_assert_cmpstr (ub_phone_info_get_product (info), ==, "alioth");
  g_assert_cmpstr (ub_phone_info_get_serial (info), ==, "8d1cac2");
  g_assert_cmpint (ub_phone_info_get_unlocked (info), ==, UB_TRISTATE_YES);
  g_assert_cmpstr (ub_phone_info_get_current_slot (info), ==, "b");
  g_assert_cmpint (ub_phone_info_get_anti (info), ==, 1);
  g_assert_cmpuint (ub_phone_info_get_battery_voltage (info), ==, 3747);
  g_assert_cmpint (ub_phone_info_get_battery_ok (info), ==, UB_TRISTATE_YES);
  g_assert_cmpint (ub_phone_info_get_secure (info), ==, UB_TRISTATE_YES);
  g_assert_false (ub_phone_info_get_is_userspace (info));
  g_assert_cmpuint (ub_phone_info_get_max_download_size (info), ==, 805306368);
  g_assert_cmpstr (ub_phone_info_get_var (info, "is-userspace"), ==, "no");
  g_assert_null (ub_phone_info_get_var (info, "token"));   /* not asked for */
}

static void
test_probe_changed_vars (Fixture      *f,
                         gconstpointer data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(UbPhoneInfo) info = NULL;
  g_autoptr(UbPhoneInfo) again = NULL;

  ub_emu_phone_set_var (f->phone, "unlocked", "no");
  ub_emu_phone_set_var (f->phone, "battery-soc-ok", "no");
  ub_emu_phone_set_var (f->phone, "battery-voltage", "3402");
  ub_emu_phone_set_var (f->phone, "is-userspace", "yes");
  ub_emu_phone_set_var (f->phone, "current-slot", "_a");
  info = probe (f->address, NULL, &error);
  g_assert_no_error (error);
  g_assert_cmpint (ub_phone_info_get_unlocked (info), ==, UB_TRISTATE_NO);
  g_assert_cmpint (ub_phone_info_get_battery_ok (info), ==, UB_TRISTATE_NO);
  g_assert_cmpuint (ub_phone_info_get_battery_voltage (info), ==, 3402);
  g_assert_true (ub_phone_info_get_is_userspace (info));
  g_assert_cmpstr (ub_phone_info_get_current_slot (info), ==, "a");

  /* a variable the phone does not have (FAIL) is unknown; the rest is read */
  g_assert_true (ub_emu_phone_add_fault (f->phone, "fail:getvar:anti:1:GetVar Variable Not found",
                                         &error));
  g_assert_no_error (error);
  again = probe (f->address, NULL, &error);
  g_assert_no_error (error);
  g_assert_cmpint (ub_phone_info_get_anti (again), ==, -1);
  g_assert_null (ub_phone_info_get_var (again, "anti"));
  g_assert_cmpstr (ub_phone_info_get_product (again), ==, "alioth");
  g_assert_cmpint (ub_phone_info_get_secure (again), ==, UB_TRISTATE_YES);
}

/* Variables asked after the probe are added to it; a FAIL stays told apart
 * from a variable never asked, and nothing is asked twice. */
static void
test_ask_var (Fixture      *f,
              gconstpointer data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(UbFastbootClient) client = NULL;
  g_autoptr(UbPhoneInfo) info = NULL;
  const char *value = "unset";

  g_assert_true (ub_emu_phone_add_fault (f->phone, "fail:getvar:anti:1:GetVar Variable Not found",
                                         &error));
  client = ub_fastboot_client_open (f->address, NULL, &error);
  g_assert_no_error (error);
  info = ub_phone_info_probe_client (client, NULL, &error);
  g_assert_no_error (error);
  g_assert_cmpstr (ub_phone_info_get_product (info), ==, "alioth");

  /* asked and FAILed, versus never asked */
  g_assert_true (ub_phone_info_lookup_var (info, "anti", &value));
  g_assert_null (value);
  value = "unset";
  g_assert_false (ub_phone_info_lookup_var (info, "partition-type:boot_a", &value));
  g_assert_null (value);

  g_assert_true (ub_phone_info_ask_var (info, client, "partition-type:boot_a", &value, NULL, &error));
  g_assert_no_error (error);
  g_assert_cmpstr (value, ==, "raw");
  g_assert_true (ub_phone_info_ask_var (info, client, "no-such-variable", &value, NULL, &error));
  g_assert_no_error (error);
  g_assert_null (value);
  g_assert_true (ub_phone_info_lookup_var (info, "no-such-variable", &value));

  /* with the connection gone, what was asked is still known; anything new cannot be asked */
  ub_fastboot_client_close (client);
  g_assert_true (ub_phone_info_ask_var (info, client, "partition-type:boot_a", &value, NULL, &error));
  g_assert_no_error (error);
  g_assert_cmpstr (value, ==, "raw");
  g_assert_true (ub_phone_info_ask_var (info, client, "anti", &value, NULL, &error));
  g_assert_null (value);
  g_assert_false (ub_phone_info_ask_var (info, client, "partition-size:boot_a", &value, NULL, &error));
  g_assert_nonnull (error);
  g_assert_false (ub_phone_info_lookup_var (info, "partition-size:boot_a", &value));
}

static void
test_probe_cancelled (Fixture      *f,
                      gconstpointer data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GCancellable) cancellable = g_cancellable_new ();
  g_autoptr(UbPhoneInfo) info = NULL;

  g_cancellable_cancel (cancellable);
  info = probe (f->address, cancellable, &error);
  g_assert_null (info);
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_CANCELLED);
}

static void
test_probe_nothing_listening (void)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GSocketListener) listener = g_socket_listener_new ();
  g_autoptr(UbPhoneInfo) info = NULL;
  g_autofree char *address = NULL;
  guint16 port;

  /* a port that was free a moment ago */
  port = g_socket_listener_add_any_inet_port (listener, NULL, &error);
  g_assert_no_error (error);
  g_socket_listener_close (listener);
  address = g_strdup_printf ("tcp:127.0.0.1:%u", port);

  info = probe (address, NULL, &error);
  g_assert_null (info);
  g_assert_error (error, UB_FASTBOOT_ERROR, UB_FASTBOOT_ERROR_NO_DEVICE);
  g_assert_true (g_str_has_prefix (error->message, "Could not connect to the device: "));
}

static void
test_parse (void)
{
  g_autoptr(GHashTable) vars = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, g_free);
  g_autoptr(UbPhoneInfo) empty = ub_phone_info_new (NULL);
  g_autoptr(UbPhoneInfo) info = NULL;

  g_assert_null (ub_phone_info_get_product (empty));
  g_assert_null (ub_phone_info_get_serial (empty));
  g_assert_cmpint (ub_phone_info_get_unlocked (empty), ==, UB_TRISTATE_UNKNOWN);
  g_assert_null (ub_phone_info_get_current_slot (empty));
  g_assert_cmpint (ub_phone_info_get_anti (empty), ==, -1);
  g_assert_cmpuint (ub_phone_info_get_battery_voltage (empty), ==, 0);
  g_assert_cmpint (ub_phone_info_get_battery_ok (empty), ==, UB_TRISTATE_UNKNOWN);
  g_assert_cmpint (ub_phone_info_get_secure (empty), ==, UB_TRISTATE_UNKNOWN);
  g_assert_false (ub_phone_info_get_is_userspace (empty));
  g_assert_cmpuint (ub_phone_info_get_max_download_size (empty), ==, 0);

  g_hash_table_insert (vars, g_strdup ("unlocked"), g_strdup ("garbage"));
  g_hash_table_insert (vars, g_strdup ("secure"), g_strdup ("no"));
  g_hash_table_insert (vars, g_strdup ("anti"), g_strdup ("x3"));
  g_hash_table_insert (vars, g_strdup ("battery-voltage"), g_strdup ("4201000"));   /* µV */
  g_hash_table_insert (vars, g_strdup ("max-download-size"), g_strdup ("0x10000000"));
  g_hash_table_insert (vars, g_strdup ("current-slot"), g_strdup (""));
  info = ub_phone_info_new (vars);
  g_assert_cmpint (ub_phone_info_get_unlocked (info), ==, UB_TRISTATE_UNKNOWN);
  g_assert_cmpint (ub_phone_info_get_secure (info), ==, UB_TRISTATE_NO);
  g_assert_cmpint (ub_phone_info_get_anti (info), ==, -1);
  g_assert_cmpuint (ub_phone_info_get_battery_voltage (info), ==, 4201);
  g_assert_cmpuint (ub_phone_info_get_max_download_size (info), ==, 0x10000000);
  g_assert_null (ub_phone_info_get_current_slot (info));
  g_clear_object (&info);

  g_hash_table_remove_all (vars);
  g_hash_table_insert (vars, g_strdup ("battery-voltage"), g_strdup ("3747mV"));
  g_hash_table_insert (vars, g_strdup ("anti"), g_strdup ("4"));
  g_hash_table_insert (vars, g_strdup ("unlocked"), g_strdup ("yes"));
  info = ub_phone_info_new (vars);
  g_assert_cmpuint (ub_phone_info_get_battery_voltage (info), ==, 3747);
  g_assert_cmpint (ub_phone_info_get_anti (info), ==, 4);
  g_assert_cmpint (ub_phone_info_get_unlocked (info), ==, UB_TRISTATE_YES);

  g_assert_cmpstrv (ub_phone_info_get_probe_vars (),
                    ((const char * const[]) { "product", "serialno", "unlocked", "current-slot",
                                              "anti", "battery-voltage", "battery-soc-ok",
                                              "secure", "max-download-size", "is-userspace",
                                              NULL }));
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/phone-info/parse", test_parse);
  g_test_add ("/phone-info/probe-default", Fixture, NULL, fixture_setup, test_probe_default,
              fixture_teardown);
  g_test_add ("/phone-info/probe-changed-vars", Fixture, NULL, fixture_setup,
              test_probe_changed_vars, fixture_teardown);
  g_test_add ("/phone-info/ask-var", Fixture, NULL, fixture_setup, test_ask_var,
              fixture_teardown);
  g_test_add ("/phone-info/probe-cancelled", Fixture, NULL, fixture_setup, test_probe_cancelled,
              fixture_teardown);
  g_test_add_func ("/phone-info/probe-nothing-listening", test_probe_nothing_listening);
  return g_test_run ();
}
