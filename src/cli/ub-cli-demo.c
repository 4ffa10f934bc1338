/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "config.h"

#include <glib/gstdio.h>

#include "ub-cli-demo.h"
#include "ub-emu-phone.h"
#include "ub-emu-tcp-server.h"

struct _UbCliDemo
{
  char           *dir;
  char           *address;
  UbEmuPhone     *phone;
  UbEmuTcpServer *server;
};

static void
remove_tree (GFile *file)
{
  g_autoptr(GFileEnumerator) children =
    g_file_enumerate_children (file, G_FILE_ATTRIBUTE_STANDARD_NAME,
                               G_FILE_QUERY_INFO_NOFOLLOW_SYMLINKS, NULL, NULL);

  if (children != NULL)
    {
      GFile *child = NULL;
      while (g_file_enumerator_iterate (children, NULL, &child, NULL, NULL) && child != NULL)
        remove_tree (child);
    }
  g_file_delete (file, NULL, NULL);
}

void
ub_cli_demo_stop (UbCliDemo *self)
{
  if (self == NULL)
    return;
  if (self->server != NULL)
    ub_emu_tcp_server_stop (self->server);
  g_clear_object (&self->server);
  g_clear_object (&self->phone);
  if (self->dir != NULL)
    {
      g_autoptr(GFile) dir = g_file_new_for_path (self->dir);
      remove_tree (dir);
    }
  g_free (self->dir);
  g_free (self->address);
  g_free (self);
}

UbCliDemo *
ub_cli_demo_start (GError **error)
{
  g_autoptr(UbCliDemo) self = g_new0 (UbCliDemo, 1);

  self->dir = g_dir_make_tmp ("unbrick-demo-XXXXXX", error);
  if (self->dir == NULL)
    return NULL;
  self->phone = ub_emu_phone_new (NULL, self->dir, error);
  if (self->phone == NULL)
    return NULL;
  self->server = ub_emu_tcp_server_new (self->phone);
  if (!ub_emu_tcp_server_start (self->server, 0, error))
    return NULL;
  self->address = g_strdup_printf ("tcp:127.0.0.1:%u", ub_emu_tcp_server_get_port (self->server));
  return g_steal_pointer (&self);
}

const char *
ub_cli_demo_get_address (UbCliDemo *self)
{
  return self->address;
}

char *
ub_cli_demo_make_image (UbCliDemo *self,
                        guint64    size,
                        GError   **error)
{
  g_autofree char *path = g_build_filename (self->dir, "demo-boot.img", NULL);
  g_autoptr(GFile) file = g_file_new_for_path (path);
  g_autoptr(GFileOutputStream) out = NULL;
  g_autofree guint32 *block = g_new (guint32, 1024 * 1024 / 4);
  guint32 state = 2166136261u;

  out = g_file_replace (file, NULL, FALSE, G_FILE_CREATE_NONE, NULL, error);
  if (out == NULL)
    return NULL;
  /* quarters: pseudo-random data, zeros, a repeated pattern, data again */
  for (guint64 done = 0; done < size; done += 1024 * 1024)
    {
      guint quarter = (guint) (done * 4 / size);
      for (guint i = 0; i < 1024 * 1024 / 4; i++)
        {
          state ^= state << 13;
          state ^= state >> 17;
          state ^= state << 5;
          block[i] = quarter == 1 ? 0 : quarter == 2 ? 0xdeadbeef : state;
        }
      if (!g_output_stream_write_all (G_OUTPUT_STREAM (out), block,
                                      MIN (1024 * 1024, size - done), NULL, NULL, error))
        return NULL;
    }
  if (!g_output_stream_close (G_OUTPUT_STREAM (out), NULL, error))
    return NULL;
  return g_steal_pointer (&path);
}
