/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * `getvar all` and phone information from fuzzed text: each line becomes
 * one INFO packet of the device's answer to getvar:all (ending in OKAY),
 * read by the client; the "NAME: VALUE" lines it returns become the values
 * of a UbPhoneInfo, read back through every getter.
 */
#include "config.h"

#include <string.h>

#include "ub-fastboot-client.h"
#include "ub-fuzz.h"
#include "ub-fuzz-transport.h"
#include "ub-phone-info.h"

int
LLVMFuzzerInitialize (int *argc, char ***argv)
{
  ub_fuzz_quiet_logs ();
  return 0;
}

int
LLVMFuzzerTestOneInput (const uint8_t *data, size_t size)
{
  g_autoptr(GByteArray) packets = g_byte_array_new ();
  g_autoptr(UbFuzzTransport) transport = NULL;
  g_autoptr(UbFastbootClient) client = NULL;
  g_autoptr(GHashTable) vars = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, g_free);
  g_autoptr(UbPhoneInfo) info = NULL;
  g_autoptr(GError) error = NULL;
  g_auto(GStrv) lines = NULL;
  gsize start = 0;

  /* lines → packets "INFO<line>" of at most 255 bytes, then OKAY */
  for (gsize i = 0; i <= size; i++)
    {
      if (i < size && data[i] != '\n')
        continue;
      {
        gsize len = MIN (i - start, 255 - 4);
        guint8 n = len + 4;
        const char *prefix = "(bootloader) ";
        const guint8 *line = data + start;

        if (len >= strlen (prefix) && memcmp (line, prefix, strlen (prefix)) == 0)
          {
            line += strlen (prefix);
            len -= strlen (prefix);
            n = len + 4;
          }
        g_byte_array_append (packets, &n, 1);
        g_byte_array_append (packets, (const guint8 *) "INFO", 4);
        g_byte_array_append (packets, line, len);
      }
      start = i + 1;
    }
  g_byte_array_append (packets, (const guint8 *) "\4OKAY", 5);

  transport = ub_fuzz_transport_new (packets->data, packets->len);
  client = ub_fastboot_client_new (UB_TRANSPORT (transport));
  lines = ub_fastboot_client_getvar_all (client, NULL, &error);
  g_assert_no_error (error);
  g_assert_nonnull (lines);

  for (guint i = 0; lines[i] != NULL; i++)
    {
      char *colon = strstr (lines[i], ": ");

      if (colon == NULL)
        continue;
      g_hash_table_replace (vars, g_strndup (lines[i], colon - lines[i]), g_strdup (colon + 2));
    }
  info = ub_phone_info_new (vars);
  for (guint i = 0; ub_phone_info_get_probe_vars ()[i] != NULL; i++)
    ub_phone_info_get_var (info, ub_phone_info_get_probe_vars ()[i]);
  ub_phone_info_get_product (info);
  ub_phone_info_get_serial (info);
  ub_phone_info_get_unlocked (info);
  ub_phone_info_get_current_slot (info);
  g_assert_cmpint (ub_phone_info_get_anti (info), >=, -1);
  ub_phone_info_get_battery_voltage (info);
  ub_phone_info_get_battery_ok (info);
  ub_phone_info_get_secure (info);
  ub_phone_info_get_is_userspace (info);
  ub_phone_info_get_max_download_size (info);
  return 0;
}
