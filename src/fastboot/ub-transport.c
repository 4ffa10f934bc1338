/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "config.h"

#include <glib/gi18n.h>
#include <inttypes.h>

#include "ub-fastboot-error.h"
#include "ub-transport.h"

G_DEFINE_INTERFACE (UbTransport, ub_transport, G_TYPE_OBJECT)

static gboolean
ub_transport_real_write_stream (UbTransport            *self,
                                GInputStream           *stream,
                                guint64                 size,
                                guint                   stall_timeout_ms,
                                UbTransportProgressFunc progress,
                                gpointer                progress_data,
                                GCancellable           *cancellable,
                                GError                **error)
{
  g_autofree guint8 *buf = g_malloc (MIN (size, UB_TRANSPORT_STREAM_CHUNK));
  guint64 done = 0;

  while (done < size)
    {
      gsize want = MIN (size - done, UB_TRANSPORT_STREAM_CHUNK);
      gsize got = 0;

      if (!g_input_stream_read_all (stream, buf, want, &got, cancellable, error))
        return FALSE;
      if (got != want)
        {
          g_set_error (error, UB_FASTBOOT_ERROR, UB_FASTBOOT_ERROR_INVALID_IMAGE,
                       _("Image ended early: expected %" PRIu64 " more bytes"),
                       size - done);
          return FALSE;
        }
      if (!ub_transport_write (self, buf, got, stall_timeout_ms, cancellable, error))
        return FALSE;
      done += got;
      if (progress != NULL)
        progress (done, progress_data);
    }
  return TRUE;
}

static void
ub_transport_default_init (UbTransportInterface *iface)
{
  iface->write_stream = ub_transport_real_write_stream;
}

gboolean
ub_transport_write (UbTransport   *self,
                    const guint8  *buf,
                    gsize          len,
                    guint          stall_timeout_ms,
                    GCancellable  *cancellable,
                    GError       **error)
{
  g_return_val_if_fail (UB_IS_TRANSPORT (self), FALSE);
  g_return_val_if_fail (len > 0, FALSE);
  if (g_cancellable_set_error_if_cancelled (cancellable, error))
    return FALSE;
  return UB_TRANSPORT_GET_IFACE (self)->write (self, buf, len, stall_timeout_ms,
                                               cancellable, error);
}

gssize
ub_transport_read (UbTransport   *self,
                   guint8        *buf,
                   gsize          len,
                   guint          timeout_ms,
                   GCancellable  *cancellable,
                   GError       **error)
{
  g_return_val_if_fail (UB_IS_TRANSPORT (self), -1);
  if (g_cancellable_set_error_if_cancelled (cancellable, error))
    return -1;
  return UB_TRANSPORT_GET_IFACE (self)->read (self, buf, len, timeout_ms,
                                              cancellable, error);
}

gboolean
ub_transport_write_stream (UbTransport            *self,
                           GInputStream           *stream,
                           guint64                 size,
                           guint                   stall_timeout_ms,
                           UbTransportProgressFunc progress,
                           gpointer                progress_data,
                           GCancellable           *cancellable,
                           GError                **error)
{
  g_return_val_if_fail (UB_IS_TRANSPORT (self), FALSE);
  g_return_val_if_fail (G_IS_INPUT_STREAM (stream), FALSE);
  if (size == 0)
    return TRUE;
  return UB_TRANSPORT_GET_IFACE (self)->write_stream (self, stream, size, stall_timeout_ms,
                                                      progress, progress_data,
                                                      cancellable, error);
}

void
ub_transport_close (UbTransport *self)
{
  g_return_if_fail (UB_IS_TRANSPORT (self));
  UB_TRANSPORT_GET_IFACE (self)->close (self);
}

const char *
ub_transport_describe (UbTransport *self)
{
  g_return_val_if_fail (UB_IS_TRANSPORT (self), NULL);
  return UB_TRANSPORT_GET_IFACE (self)->describe (self);
}
