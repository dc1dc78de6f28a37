"""setup/screenshots.py: the parts that need no demo database."""

import importlib.util
from email.message import EmailMessage
from pathlib import Path

import pytest
from PIL import Image

REPO = Path(__file__).resolve().parent.parent


def load_script():
    spec = importlib.util.spec_from_file_location(
        "screenshots", REPO / "setup" / "screenshots.py"
    )
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


screenshots = load_script()

PIXEL = bytes.fromhex(
    "89504e470d0a1a0a0000000d4948445200000001000000010806000000"
    "1f15c4890000000d49444154789c6360f8cf000000020001e221bc330000000049454e44ae426082"
)


def mail(subject, html, to="client@example.com"):
    """A mail as Odoo sends it: HTML body, an inline logo, a PDF attached."""
    message = EmailMessage()
    message["From"] = "Atelier Duval SAS <comptabilite@atelier-duval.example>"
    message["To"] = to
    message["Subject"] = subject
    message["Date"] = "Sun, 29 Nov 2026 09:05:00 -0000"
    message.set_content("text version")
    message.add_alternative(html, subtype="html")
    message.get_payload()[1].add_related(PIXEL, "image", "png", cid="<logo@odoo>")
    message.add_attachment(
        b"%PDF-1.4",
        maintype="application",
        subtype="pdf",
        filename="INV_2026_00027.pdf",
    )
    return message


def write(folder, name, message):
    path = folder / name
    path.write_bytes(bytes(message))
    return path


def test_eml_to_html_as_a_mail_client_shows_it():
    page = screenshots.eml_to_html(
        mail(
            "Atelier Duval SAS - Facture impayée n° INV/2026/00027",
            '<p><img src="cid:logo@odoo"/>Bonjour Léa Moreau,</p>'
            "<table><tr><td>828,00 €</td></tr></table>",
        )
    )
    assert (
        "<th>Objet</th><td>Atelier Duval SAS - Facture impayée n° INV/2026/00027"
        in page
    )
    assert (
        "<th>De</th><td>Atelier Duval SAS &lt;comptabilite@atelier-duval.example&gt;"
        in page
    )
    assert "<th>Date</th><td>29/11/2026" in page
    assert "<th>Pièces jointes</th><td>INV_2026_00027.pdf</td>" in page
    assert "Bonjour Léa Moreau," in page
    assert "cid:" not in page
    assert 'src="data:image/png;base64,' in page


def test_find_reminder_eml_takes_the_newest_reminder(tmp_path):
    table = "<table><tr><td>828,00 €</td></tr></table>"
    write(tmp_path, "1.eml", mail("Atelier Duval SAS - Facture impayée n° 1", table))
    newest = write(
        tmp_path, "2.eml", mail("Atelier Duval SAS - Rappel : facture n° 2", table)
    )
    write(
        tmp_path,
        "3.eml",
        mail("Atelier Duval SAS - Merci pour votre règlement", "<p>Merci</p>"),
    )
    write(tmp_path, "4.eml", mail('"Draft Invoice: Call" assigned to you', table))
    assert screenshots.find_reminder_eml(tmp_path, "Atelier Duval SAS") == newest


def test_find_reminder_eml_says_when_the_mailbox_has_none(tmp_path):
    write(tmp_path, "1.eml", mail("Atelier Duval SAS - Merci", "<p>Merci</p>"))
    with pytest.raises(screenshots.ScreenshotError, match="run setup/run first"):
        screenshots.find_reminder_eml(tmp_path, "Atelier Duval SAS")


def test_optimise_png_resizes_to_256_colours(tmp_path):
    path = tmp_path / "shot.png"
    image = Image.new("RGB", (1200, 300), "white")
    for x in range(0, 1200, 3):
        image.putpixel((x, 150), (x % 256, 80, 160))
    image.save(path)
    size = screenshots.optimise_png(path, max_width=600)
    assert size == path.stat().st_size
    with Image.open(path) as small:
        assert small.size == (600, 150)
        assert small.mode == "P"
        assert len(small.getcolors(256)) <= 256
