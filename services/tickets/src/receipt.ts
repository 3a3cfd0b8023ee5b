import PDFDocument from 'pdfkit';
import QRCode from 'qrcode';
import type { IssuedBooking } from './tickets.js';

/** The date and time of the event where it happens, e.g. "Sunday, 1 June 2031, 20:00 (Europe/Lisbon)". */
function localStart(booking: IssuedBooking): string {
  const formatted = new Intl.DateTimeFormat('en-GB', { dateStyle: 'full', timeStyle: 'short', timeZone: booking.timezone }).format(booking.startsAt);
  return `${formatted} (${booking.timezone})`;
}

/**
 * The PDF receipt of a booking: one A4 page per ticket, each with the
 * booking's details and the ticket's QR code (one code per page, so a door
 * scanner or a phone screen shows exactly one at a time).
 */
export async function renderReceipt(booking: IssuedBooking, codes: ReadonlyMap<string, string>): Promise<Buffer> {
  const images = new Map<string, Buffer>();
  for (const ticket of booking.tickets) {
    const code = codes.get(ticket.id);
    if (!code) throw new Error(`no code for ticket ${ticket.id}`);
    images.set(ticket.id, await QRCode.toBuffer(code, { errorCorrectionLevel: 'M', margin: 4, width: 600 }));
  }
  const doc = new PDFDocument({ size: 'A4', margin: 56, autoFirstPage: false, info: { Title: `Tickets ${booking.reference}`, Author: 'Ticketing' } });
  const chunks: Buffer[] = [];
  doc.on('data', (chunk: Buffer) => chunks.push(chunk));
  const done = new Promise<Buffer>((resolve, reject) => {
    doc.on('end', () => resolve(Buffer.concat(chunks)));
    doc.on('error', reject);
  });
  booking.tickets.forEach((ticket, index) => {
    doc.addPage();
    doc.font('Helvetica-Bold').fontSize(22).text(booking.eventTitle);
    doc.moveDown(0.3).font('Helvetica').fontSize(12).text(booking.venue).text(localStart(booking));
    doc.moveDown();
    doc.font('Helvetica-Bold').fontSize(16).text(ticket.label);
    doc.moveDown(0.3).font('Helvetica').fontSize(11);
    doc.text(`Booking ${booking.reference} · ticket ${index + 1} of ${booking.tickets.length}`);
    doc.text(`Buyer: ${booking.buyerName ?? 'account holder'}`);
    doc.moveDown();
    doc.image(images.get(ticket.id)!, { fit: [300, 300], align: 'center' });
    doc.moveDown().fontSize(9).fillColor('#555').text('Show this code at the entrance. Each ticket admits one person once.', { align: 'center' });
    doc.fillColor('black');
  });
  doc.end();
  return done;
}
