/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "config.h"

#include "ub-test-phone.h"
#include "ub-test-utils.h"

void
ub_test_phone_init (UbTestPhone *phone,
                    GKeyFile    *profile)
{
  g_autoptr(GError) error = NULL;

  phone->dir = ub_test_make_tmp_dir ("ub-test-phone-XXXXXX");
  phone->phone = ub_emu_phone_new (profile, phone->dir, &error);
  g_assert_no_error (error);
  phone->server = ub_emu_tcp_server_new (phone->phone);
  g_assert_true (ub_emu_tcp_server_start (phone->server, 0, &error));
  g_assert_no_error (error);
  phone->address = g_strdup_printf ("tcp:127.0.0.1:%u", ub_emu_tcp_server_get_port (phone->server));
}

void
ub_test_phone_clear (UbTestPhone *phone)
{
  if (phone->server != NULL)
    ub_emu_tcp_server_stop (phone->server);
  g_clear_object (&phone->server);
  g_clear_object (&phone->phone);
  if (phone->dir != NULL)
    ub_test_rm_rf (phone->dir);
  g_clear_pointer (&phone->dir, g_free);
  g_clear_pointer (&phone->address, g_free);
}

UbTestPhone *
ub_test_phone_new (GKeyFile *profile)
{
  UbTestPhone *phone = g_new0 (UbTestPhone, 1);

  ub_test_phone_init (phone, profile);
  return phone;
}

void
ub_test_phone_free (UbTestPhone *phone)
{
  if (phone == NULL)
    return;
  ub_test_phone_clear (phone);
  g_free (phone);
}

char *
ub_test_phone_dup_log (UbTestPhone *phone)
{
  g_autofree char *path = g_build_filename (phone->dir, "writes.log", NULL);
  char *text = NULL;

  if (!g_file_get_contents (path, &text, NULL, NULL))
    return g_strdup ("");
  return text;
}
