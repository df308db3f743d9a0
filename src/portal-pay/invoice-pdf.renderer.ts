import PDFDocument from 'pdfkit';

// Everything the PDF prints, already formatted: the renderer only lays text out.
export interface InvoicePdfModel {
  number: string;
  status: string;
  merchant: { name: string; supportEmail: string | null };
  customer: { name: string | null; email: string };
  billing: { legalName: string | null; company: string | null; email: string | null; taxId: string | null; addressLines: string[] };
  dates: { label: string; value: string }[];
  lineItems: { description: string; quantity: number; amount: string }[];
  totals: { label: string; value: string }[];
  chain: string;
  payTo: string;
  token: string | null;
  payments: { time: string; txHash: string; amount: string; status: string }[];
  testMode: boolean;
}

const MARGIN = 50;
const GREY = '#555555';

// Streams are left uncompressed: an invoice is a few kilobytes either way, and the text stays
// greppable for support staff and tests. Only the built-in Helvetica is used (no font files
// read from input), and metadata dates are fixed to the invoice so the output is reproducible.
export function renderInvoicePdf(model: InvoicePdfModel, createdAt: Date): Promise<Buffer> {
  const doc = new PDFDocument({
    size: 'A4',
    margin: MARGIN,
    compress: false,
    info: { Title: `Invoice ${model.number}`, Author: model.merchant.name, Subject: `Invoice ${model.number}`, CreationDate: createdAt, ModDate: createdAt },
  });
  const chunks: Buffer[] = [];
  const done = new Promise<Buffer>((resolve, reject) => {
    doc.on('data', (chunk: Buffer) => chunks.push(chunk));
    doc.on('end', () => resolve(Buffer.concat(chunks)));
    doc.on('error', reject);
  });

  const width = doc.page.width - MARGIN * 2;

  doc.font('Helvetica-Bold').fontSize(20).text(model.merchant.name);
  if (model.merchant.supportEmail) doc.font('Helvetica').fontSize(10).fillColor(GREY).text(model.merchant.supportEmail).fillColor('black');
  doc.moveDown();
  doc.font('Helvetica-Bold').fontSize(16).text(`Invoice ${model.number}`);
  doc.font('Helvetica').fontSize(11).text(`Status: ${model.status}${model.testMode ? ' (test mode)' : ''}`);
  doc.moveDown(0.5);
  for (const d of model.dates) doc.text(`${d.label}: ${d.value}`);

  heading(doc, 'Billed to');
  doc.font('Helvetica').fontSize(11);
  const b = model.billing;
  const billedLines = [b.legalName ?? model.customer.name, b.company, ...b.addressLines, b.email ?? model.customer.email, b.taxId ? `Tax ID: ${b.taxId}` : null].filter(
    (l): l is string => !!l,
  );
  for (const line of [...new Set(billedLines)]) doc.text(line);
  if (b.email && b.email !== model.customer.email) doc.fillColor(GREY).text(`Account: ${model.customer.email}`).fillColor('black');

  heading(doc, 'Items');
  table(
    doc,
    width,
    ['Description', 'Qty', 'Amount'],
    model.lineItems.map((li) => [li.description, String(li.quantity), li.amount]),
  );
  doc.moveDown(0.5);
  for (const t of model.totals) row(doc, width, t.label, t.value, true);

  heading(doc, 'Payment');
  doc.font('Helvetica').fontSize(11);
  doc.text(`Network: ${model.chain}`);
  doc.text(`Receiving address: ${model.payTo}`);
  if (model.token) doc.text(`Token contract: ${model.token}`);

  heading(doc, 'Payment transactions');
  if (model.payments.length === 0) {
    doc.font('Helvetica').fontSize(11).fillColor(GREY).text('No transactions received for this invoice.').fillColor('black');
  } else {
    for (const p of model.payments) {
      doc.font('Helvetica').fontSize(10).text(`${p.time}  ·  ${p.amount}  ·  ${p.status}`);
      doc.font('Courier').fontSize(8).text(p.txHash);
      doc.moveDown(0.3);
    }
  }

  doc.end();
  return done;
}

function heading(doc: PDFKit.PDFDocument, text: string): void {
  doc.moveDown();
  doc.font('Helvetica-Bold').fontSize(13).fillColor('black').text(text, MARGIN);
  doc.moveDown(0.3);
}

function row(doc: PDFKit.PDFDocument, width: number, label: string, value: string, bold: boolean): void {
  const y = doc.y;
  doc.font(bold ? 'Helvetica-Bold' : 'Helvetica').fontSize(11);
  doc.text(label, MARGIN, y, { width: width * 0.6 });
  const after = doc.y;
  doc.text(value, MARGIN + width * 0.6, y, { width: width * 0.4, align: 'right' });
  doc.y = Math.max(after, doc.y);
  doc.x = MARGIN;
}

function table(doc: PDFKit.PDFDocument, width: number, headers: [string, string, string], rows: string[][]): void {
  const cols = [width * 0.6, width * 0.1, width * 0.3];
  const line = (cells: string[], bold: boolean) => {
    const y = doc.y;
    let x = MARGIN;
    let bottom = y;
    doc.font(bold ? 'Helvetica-Bold' : 'Helvetica').fontSize(10);
    cells.forEach((cell, i) => {
      doc.text(cell, x, y, { width: cols[i], align: i === 0 ? 'left' : 'right' });
      bottom = Math.max(bottom, doc.y);
      x += cols[i];
    });
    doc.y = bottom + 4;
    doc.x = MARGIN;
  };
  line(headers, true);
  doc.moveTo(MARGIN, doc.y).lineTo(MARGIN + width, doc.y).strokeColor('#cccccc').stroke();
  doc.y += 4;
  for (const r of rows) line(r, false);
}
