"""A resident on a phone finds their grid by address, reads the site in English and back in
Chinese, reports a problem to the supervision committee with a photo, sees the reference code
on the confirmation page and follows the report on the tracking page, from the confirmation,
from the portal's code box and from the e-mail the demo sends."""

import io
import re

from PIL import Image

ADDRESS = "长江西路8号"  # 五松新村1栋, in 五松社区's first grid
EMAIL = "resident@example.com"


def photo_png() -> bytes:
    """A small real photo: a street lamp's orange glow on a dusk-blue background."""
    image = Image.new("RGB", (64, 48), (40, 60, 110))
    for x in range(28, 36):
        for y in range(8, 20):
            image.putpixel((x, y), (250, 170, 40))
    buffer = io.BytesIO()
    image.save(buffer, format="PNG")
    return buffer.getvalue()


def one_line(locator) -> bool:
    """Whether the element's text is laid out on a single line and fits the screen."""
    locator.page.wait_for_load_state()  # measured with the page's stylesheets applied
    return locator.evaluate(
        """el => {
            const range = document.createRange();
            range.selectNodeContents(el);
            const lines = new Set([...range.getClientRects()].map(r => Math.round(r.top)));
            return lines.size === 1 && range.getBoundingClientRect().right <= window.innerWidth;
        }"""
    )


def test_resident_reports_with_a_photo_and_follows_the_code(journey):
    demo = journey.demo
    page = journey.phone()

    page.goto(demo.url("/"))
    page.get_by_role("heading", name="铜官区人民网格", level=1).wait_for()
    journey.step(page, "portal")

    # Find my grid, from the portal's box.
    page.get_by_label("您的地址、楼栋、单位或社区").fill(ADDRESS)
    page.get_by_role("button", name="查找").click()
    page.get_by_role("heading", name="查找我的网格").wait_for()
    card = page.locator("article").filter(
        has=page.get_by_role("heading", name="五松社区 · 第一网格")
    )
    assert card.count() == 1, "the address finds its grid"
    assert "网格员" in card.inner_text()
    assert card.get_by_role("link", name=re.compile(r"^\d[\d-]+$")).count() >= 1, (
        "the grid worker's phone number is a link to call"
    )
    journey.step(page, "found-my-grid")

    # The same page in English, then back in Chinese.
    page.get_by_role("link", name="English").click()
    page.get_by_role("heading", name="Find my grid").wait_for()
    assert page.evaluate("document.documentElement.lang") == "en"
    assert page.get_by_label("Your address, building, unit or community").input_value() == (
        ADDRESS
    ), "switching language keeps the search"
    journey.step(page, "in-english")
    page.get_by_role("link", name="简体中文").click()
    page.get_by_role("heading", name="查找我的网格").wait_for()
    assert page.evaluate("document.documentElement.lang").startswith("zh")
    assert (
        page.locator("article")
        .filter(has=page.get_by_role("heading", name="五松社区 · 第一网格"))
        .is_visible()
    )
    journey.step(page, "back-in-chinese")

    # The supervision report, from the portal's list of forms.
    page.get_by_role("banner").get_by_role("link", name=re.compile("人民网格$")).click()
    page.get_by_role("link", name="社区监督举报").first.click()
    page.get_by_role("heading", name="社区监督举报", level=1).wait_for()
    journey.step(page, "report-form")

    page.get_by_label("监督类别").select_option(
        label="政府工作进社区（依法行政、公共服务、社会管理）"
    )
    page.get_by_label("所在社区").select_option(label="五松社区")
    page.get_by_label("具体位置").fill("五松新村1栋东侧路口")
    page.get_by_label("情况描述").fill("路灯坏了两个星期，晚上路口一片黑，老人出门不安全。")
    page.get_by_label("现场照片").set_input_files(
        files=[{"name": "路灯.png", "mimeType": "image/png", "buffer": photo_png()}]
    )
    page.get_by_label("实名", exact=True).check()
    page.get_by_label("姓名").fill("周晓梅")
    page.get_by_label("联系电话").fill("13912345678")
    page.get_by_label("电子邮箱").fill(EMAIL)
    page.get_by_label("我承诺所反映的情况属实").check()
    journey.step(page, "report-filled")
    page.get_by_role("button", name="提交").click()

    # What the resident must see: the code to follow it.
    code = journey.confirmation_code(page)
    assert one_line(page.locator("#reference")), "the code is read on one line"
    assert page.get_by_text("您的查询码").is_visible()
    assert page.get_by_text(EMAIL).is_visible()
    journey.step(page, "confirmation-with-code")

    page.get_by_role("link", name="查看本申请的办理进度").click()
    page.get_by_role("heading", name=re.compile(f"申请\\s*{code}")).wait_for()
    assert one_line(page.locator(".track-code"))
    status = page.locator(".status")
    assert "受理审查" in status.inner_text(), "the report waits for the committee's review"
    assert "社区监督事项办理" in page.locator(".track-summary").inner_text()
    journey.step(page, "tracking-page")

    # Days later: the code typed (in lower case) into the portal's box.
    page.goto(demo.url("/"))
    page.get_by_label("提交表单时得到的查询码").fill(code.lower())
    page.get_by_role("button", name="查询").click()
    page.get_by_role("heading", name=re.compile(f"申请\\s*{code}")).wait_for()
    assert page.locator(".status").is_visible()
    journey.step(page, "tracking-from-the-portal")

    # The phone number given gets the code by text message too.
    assert any(code in text for text in demo.texts_to("13912345678")), demo.texts_to("13912345678")

    # The e-mail with the code links back to the site the resident used.
    messages = demo.emails_to(EMAIL)
    assert messages, "the resident who gave an e-mail address is sent the code"
    with_code = [m for m in messages if code in m.subject or code in m.body]
    assert with_code, [m.subject for m in messages]
    links = [link for m in with_code for link in m.links]
    assert links, with_code[0].body
    for link in links:
        assert link.startswith(demo.base_url + "/"), f"e-mail link off the served site: {link}"
    tracking_links = [link for link in links if code in link]
    assert tracking_links, links
    page.goto(tracking_links[0])
    page.get_by_role("heading", name=re.compile(f"申请\\s*{code}")).wait_for()
    journey.step(page, "tracking-from-the-email")
