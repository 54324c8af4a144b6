<?xml version="1.0" encoding="utf-8"?>
<!DOCTYPE TS>
<TS version="2.1" language="zh_CN">
    <context>
        <name>Actions</name>
        <message>
            <source>remove a line</source>
            <translation>删除商品行</translation>
        </message>
        <message>
            <source>void the whole basket</source>
            <translation>整单作废</translation>
        </message>
        <message>
            <source>a refund</source>
            <translation>退款</translation>
        </message>
        <message>
            <source>a price override</source>
            <translation>改价</translation>
        </message>
        <message>
            <source>a discount override</source>
            <translation>手工折扣</translation>
        </message>
        <message>
            <source>opening the drawer without a sale</source>
            <translation>无销售开钱箱</translation>
        </message>
        <message>
            <source>a cash difference</source>
            <translation>现金差异</translation>
        </message>
        <message>
            <source>closing the shift</source>
            <translation>交班</translation>
        </message>
        <message>
            <source>spending points without the member's app code</source>
            <translation>未出示会员码使用积分</translation>
        </message>
    </context>
    <context>
        <name>ActivationDialog</name>
        <message>
            <source>Activate</source>
            <translation>激活</translation>
        </message>
        <message>
            <source>Agrees to receive offers (marketing consent)</source>
            <translation>同意接收优惠信息（营销授权）</translation>
        </message>
        <message>
            <source>Bought in our online store? Join with the order number</source>
            <translation>在线上商城买过？凭订单号入会</translation>
        </message>
        <message>
            <source>Cancel</source>
            <translation>取消</translation>
        </message>
        <message>
            <source>Checking the order with the central service…</source>
            <translation>正在向总部核对订单…</translation>
        </message>
        <message>
            <source>Join with an online order</source>
            <translation>凭订单号入会</translation>
        </message>
        <message>
            <source>Mobile number used for the order</source>
            <translation>下单手机号</translation>
        </message>
        <message>
            <source>Name</source>
            <translation>姓名</translation>
        </message>
        <message>
            <source>No online order with this number: check it on the order (orders reach the till a day after they are placed).</source>
            <translation>没有此订单号的线上订单：请核对订单上的号码（订单在下单后一天内同步到门店）。</translation>
        </message>
        <message>
            <source>Order number</source>
            <translation>订单号</translation>
        </message>
        <message>
            <source>The central service cannot be reached: an order number can only be activated online. Register the member normally instead.</source>
            <translation>无法连接总部：订单号只能在线激活。请改为普通注册会员。</translation>
        </message>
        <message>
            <source>This order has already activated a membership: one order activates once.</source>
            <translation>此订单已激活过会员：一个订单只能激活一次。</translation>
        </message>
        <message>
            <source>This order was placed with another mobile number: ask for the number used for the order.</source>
            <translation>此订单的下单手机号不同：请询问下单时使用的手机号。</translation>
        </message>
    </context>
    <context>
        <name>AmountDialog</name>
        <message>
            <source>Cancel</source>
            <translation>取消</translation>
        </message>
        <message>
            <source>Enter an amount like 12.50.</source>
            <translation>请输入金额，例如 12.50。</translation>
        </message>
        <message>
            <source>Enter an amount greater than zero.</source>
            <translation>请输入大于零的金额。</translation>
        </message>
    </context>
    <context>
        <name>ApprovalDialog</name>
        <message>
            <source>Checking…</source>
            <translation>正在核对…</translation>
        </message>
        <message>
            <source>%1 of %2</source>
            <translation>%1（金额 %2）</translation>
        </message>
        <message>
            <source>Manager approval</source>
            <translation>店长授权</translation>
        </message>
        <message>
            <source>Manager approval needed</source>
            <translation>需要店长授权</translation>
        </message>
        <message>
            <source>A manager enters their staff code and PIN to approve: %1</source>
            <translation>请店长输入工号和密码以授权：%1</translation>
        </message>
        <message>
            <source>A manager enters their staff code and PIN to approve.</source>
            <translation>请店长输入工号和密码以授权。</translation>
        </message>
        <message>
            <source>Manager code</source>
            <translation>店长工号</translation>
        </message>
        <message>
            <source>Cancel</source>
            <translation>取消</translation>
        </message>
        <message>
            <source>Enter the manager's staff code.</source>
            <translation>请输入店长工号。</translation>
        </message>
        <message>
            <source>Enter the manager's PIN.</source>
            <translation>请输入店长密码。</translation>
        </message>
    </context>
    <context>
        <name>BenefitsDialog</name>
        <message>
            <source>%1 left</source>
            <translation>剩余 %1 次</translation>
        </message>
        <message>
            <source>%1 · %2 points · stock %3</source>
            <translation>%1 · %2 积分 · 库存 %3</translation>
        </message>
        <message>
            <source>%1: %2 points</source>
            <translation>%1：%2 积分</translation>
        </message>
        <message>
            <source>Benefits and points mall</source>
            <translation>会员权益与积分兑换</translation>
        </message>
        <message>
            <source>Benefits left</source>
            <translation>可用权益</translation>
        </message>
        <message>
            <source>Choose a benefit with a use left.</source>
            <translation>请选择还有剩余次数的权益。</translation>
        </message>
        <message>
            <source>Close</source>
            <translation>关闭</translation>
        </message>
        <message>
            <source>No benefits</source>
            <translation>暂无权益</translation>
        </message>
        <message>
            <source>Points mall</source>
            <translation>积分兑换</translation>
        </message>
        <message>
            <source>Redeem a use on the selected line</source>
            <translation>在所选商品上核销一次</translation>
        </message>
        <message>
            <source>Redeem the reward</source>
            <translation>兑换该礼品</translation>
        </message>
        <message>
            <source>This reward cannot be offered now.</source>
            <translation>该礼品暂不可兑换。</translation>
        </message>
        <message>
            <source>count card, until %1</source>
            <translation>次卡，有效期至 %1</translation>
        </message>
        <message>
            <source>not enough points</source>
            <translation>积分不足</translation>
        </message>
        <message>
            <source>out of stock</source>
            <translation>无库存</translation>
        </message>
        <message>
            <source>this period (%1)</source>
            <translation>本期（%1）</translation>
        </message>
        <message>
            <source>unlimited</source>
            <translation>不限次</translation>
        </message>
    </context>
    <context>
        <name>BlindCountDialog</name>
        <message>
            <source>¥%1</source>
            <translation>¥%1</translation>
        </message>
        <message>
            <source>%1 jiao</source>
            <translation>%1 角</translation>
        </message>
        <message>
            <source>Close the shift</source>
            <translation>交班</translation>
        </message>
        <message>
            <source>Count the drawer</source>
            <translation>清点钱箱</translation>
        </message>
        <message>
            <source>Count every note and coin in the drawer and enter how many there are of each. The till shows what it expected only after the shift is closed.</source>
            <translation>请清点钱箱中的每种纸币和硬币，并输入各自的数量。交班完成后收银机才会显示应有金额。</translation>
        </message>
        <message>
            <source>How many</source>
            <translation>数量</translation>
        </message>
        <message>
            <source>Amount</source>
            <translation>金额</translation>
        </message>
        <message>
            <source>Other tenders, from the payment terminals' settlement slips (leave empty to take the till's figures):</source>
            <translation>其他支付方式（按支付终端结算单填写；留空则采用收银机的数字）：</translation>
        </message>
        <message>
            <source>as recorded</source>
            <translation>按系统记录</translation>
        </message>
        <message>
            <source>Confirm the count and close the shift</source>
            <translation>确认清点并交班</translation>
        </message>
        <message>
            <source>Cancel</source>
            <translation>取消</translation>
        </message>
        <message>
            <source>Counted cash: %1</source>
            <translation>清点现金：%1</translation>
        </message>
        <message>
            <source>Enter amounts like 12.50.</source>
            <translation>请输入金额，例如 12.50。</translation>
        </message>
        <message>
            <source>Enter the count of each note and coin (0 when there is none).</source>
            <translation>请输入每种面额的数量（没有则填 0）。</translation>
        </message>
    </context>
    <context>
        <name>CashMovementDialog</name>
        <message>
            <source>Paid in</source>
            <translation>存入现金</translation>
        </message>
        <message>
            <source>Paid out</source>
            <translation>支出现金</translation>
        </message>
        <message>
            <source>Open the drawer (no sale)</source>
            <translation>开钱箱（无销售）</translation>
        </message>
        <message>
            <source>Cash put into the drawer that is not a sale, such as change from the bank.</source>
            <translation>非销售放入钱箱的现金，例如从银行换来的零钱。</translation>
        </message>
        <message>
            <source>Cash taken out of the drawer to pay for something. Keep the receipt with the drawer.</source>
            <translation>从钱箱取出现金用于支付，请将票据放在钱箱中。</translation>
        </message>
        <message>
            <source>Opening the drawer without a sale needs a manager's approval and is recorded.</source>
            <translation>无销售开钱箱需要店长授权，并会记录在案。</translation>
        </message>
        <message>
            <source>Change from the bank</source>
            <translation>银行换零</translation>
        </message>
        <message>
            <source>Float top-up</source>
            <translation>补充备用金</translation>
        </message>
        <message>
            <source>Supplier paid in cash</source>
            <translation>现金支付供应商</translation>
        </message>
        <message>
            <source>Shop supplies</source>
            <translation>店内耗材</translation>
        </message>
        <message>
            <source>Cash taken to the safe</source>
            <translation>现金存入保险柜</translation>
        </message>
        <message>
            <source>Change for a customer</source>
            <translation>为顾客换零钱</translation>
        </message>
        <message>
            <source>Check the drawer</source>
            <translation>检查钱箱</translation>
        </message>
        <message>
            <source>Amount (¥)</source>
            <translation>金额（¥）</translation>
        </message>
        <message>
            <source>Reason</source>
            <translation>原因</translation>
        </message>
        <message>
            <source>Choose or type a reason</source>
            <translation>选择或输入原因</translation>
        </message>
        <message>
            <source>Record</source>
            <translation>记录</translation>
        </message>
        <message>
            <source>Open drawer</source>
            <translation>开钱箱</translation>
        </message>
        <message>
            <source>Cancel</source>
            <translation>取消</translation>
        </message>
        <message>
            <source>Enter an amount greater than zero.</source>
            <translation>请输入大于零的金额。</translation>
        </message>
        <message>
            <source>Give a reason.</source>
            <translation>请填写原因。</translation>
        </message>
    </context>
    <context>
        <name>CashRoundingPanel</name>
        <message>
            <source>Cash rounding (抹零)</source>
            <translation>抹零</translation>
        </message>
        <message>
            <source>Rounds every total down; the amount given away is its own line on the receipt and in the X/Z reports.</source>
            <translation>每单应付金额向下抹零；抹去的金额在小票和 X/Z 报表中单独列出。</translation>
        </message>
        <message>
            <source>Off</source>
            <translation>不抹零</translation>
        </message>
        <message>
            <source>Down to the jiao (¥0.10)</source>
            <translation>抹到角（¥0.10）</translation>
        </message>
        <message>
            <source>Down to the yuan (¥1)</source>
            <translation>抹到元（¥1）</translation>
        </message>
        <message>
            <source>Save</source>
            <translation>保存</translation>
        </message>
        <message>
            <source>Cash rounding: %1.</source>
            <translation>抹零：%1。</translation>
        </message>
        <message>
            <source>Change the cash rounding</source>
            <translation>更改抹零设置</translation>
        </message>
    </context>
    <context>
        <name>CheckoutBasket</name>
        <message>
            <source>Void the whole sale</source>
            <translation>整单作废</translation>
        </message>
        <message>
            <source>Quantity</source>
            <translation>数量</translation>
        </message>
        <message>
            <source>Unknown code %1: not a product or a coupon of this till.</source>
            <translation>无法识别的码 %1：不是本机的商品或优惠券。</translation>
        </message>
        <message>
            <source>The label says %1 but %2 kg at this till's price is %3: check the scale's price.</source>
            <translation>秤签标价 %1，但按本机单价 %2 kg 为 %3：请核对电子秤的单价。</translation>
        </message>
        <message>
            <source>This item is sold by the piece.</source>
            <translation>此商品按件销售。</translation>
        </message>
        <message>
            <source>New quantity of %1</source>
            <translation>%1 的新数量</translation>
        </message>
        <message>
            <source>(price changed)</source>
            <translation>（已改价）</translation>
        </message>
        <message>
            <source>Remove %1: why?</source>
            <translation>删除 %1：原因？</translation>
        </message>
        <message>
            <source>Remove a line</source>
            <translation>删除商品行</translation>
        </message>
        <message>
            <source>New weight of %1 in kg (e.g. 0.350)</source>
            <translation>%1 的新重量（kg，例如 0.350）</translation>
        </message>
        <message>
            <source>The sale was voided.</source>
            <translation>本单已作废。</translation>
        </message>
        <message>
            <source>New unit price of %1 (a manager approves it)</source>
            <translation>%1 的新单价（需店长授权）</translation>
        </message>
        <message>
            <source>Price override</source>
            <translation>改价</translation>
        </message>
        <message>
            <source>Weight of %1 in kg (e.g. 0.350)</source>
            <translation>%1 的重量（千克，例如 0.350）</translation>
        </message>
        <message>
            <source>Weight</source>
            <translation>重量</translation>
        </message>
    </context>
    <context>
        <name>CheckoutMember</name>
        <message>
            <source>Welcome, %1! The member is on this sale.</source>
            <translation>欢迎 %1！会员已加入本单。</translation>
        </message>
        <message>
            <source>Coupon</source>
            <translation>优惠券</translation>
        </message>
        <message>
            <source>No coupon %1 on this till.</source>
            <translation>本机没有优惠券 %1。</translation>
        </message>
        <message>
            <source>Type or scan the coupon's code</source>
            <translation>输入或扫描优惠券码</translation>
        </message>
        <message>
            <source>Coupon %1 is already on this sale.</source>
            <translation>优惠券 %1 已在本单中。</translation>
        </message>
        <message>
            <source>First-order coupon %1 added.</source>
            <translation>已添加首单优惠券 %1。</translation>
        </message>
    </context>
    <context>
        <name>CheckoutPayment</name>
        <message>
            <source>No points are spent without a manager's approval: set the points to 0 or ask a manager.</source>
            <translation>没有店长授权不能使用积分：请把积分改为 0，或请店长授权。</translation>
        </message>
        <message>
            <source>That coupon combination is not possible; the best one is applied.</source>
            <translation>该优惠券组合不可用，已自动选用最优组合。</translation>
        </message>
        <message>
            <source>Scan an item first.</source>
            <translation>请先扫描商品。</translation>
        </message>
        <message>
            <source>Approve this sale</source>
            <translation>授权本单</translation>
        </message>
        <message>
            <source>Still pricing the basket…</source>
            <translation>正在计算金额…</translation>
        </message>
        <message>
            <source>Spend points without the app code</source>
            <translation>未出示会员码使用积分</translation>
        </message>
    </context>
    <context>
        <name>CheckoutScreen</name>
        <message>
            <source>Checkout</source>
            <translation>收银</translation>
        </message>
        <message>
            <source>Scan or type a barcode, SKU or product name</source>
            <translation>扫码或输入条码、货号、商品名</translation>
        </message>
        <message>
            <source>Search (F3)</source>
            <translation>查找 (F3)</translation>
        </message>
        <message>
            <source>Functions (F10)</source>
            <translation>功能 (F10)</translation>
        </message>
        <message>
            <source>Item</source>
            <translation>商品</translation>
        </message>
        <message>
            <source>Qty</source>
            <translation>数量</translation>
        </message>
        <message>
            <source>Price</source>
            <translation>单价</translation>
        </message>
        <message>
            <source>Amount</source>
            <translation>金额</translation>
        </message>
        <message>
            <source>Discount</source>
            <translation>优惠</translation>
        </message>
        <message>
            <source>Qty (F7)</source>
            <translation>数量 (F7)</translation>
        </message>
        <message>
            <source>Remove (Del)</source>
            <translation>删除 (Del)</translation>
        </message>
        <message>
            <source>Price (F8)</source>
            <translation>改价 (F8)</translation>
        </message>
        <message>
            <source>Void sale</source>
            <translation>整单作废</translation>
        </message>
        <message>
            <source>Coupon (F6)</source>
            <translation>优惠券 (F6)</translation>
        </message>
        <message>
            <source>Pay (F9)</source>
            <translation>结账 (F9)</translation>
        </message>
        <message>
            <source>This is a receipt's code. Refunds are made from the functions menu (F10).</source>
            <translation>这是小票码。请在功能菜单 (F10) 中办理退款。</translation>
        </message>
        <message>
            <source>This is a payment code: press Pay (F9) first, then scan it.</source>
            <translation>这是付款码：请先按结账 (F9)，再扫码。</translation>
        </message>
        <message>
            <source>Upgraded to %1!</source>
            <translation>已升级为%1！</translation>
        </message>
        <message>
            <source>Identify the member first: benefits and the points mall are for members.</source>
            <translation>请先识别会员：权益和积分兑换仅限会员。</translation>
        </message>
        <message>
            <source>No line in the basket is covered by this benefit.</source>
            <translation>购物车中没有该权益适用的商品。</translation>
        </message>
        <message>
            <source>Benefits (Ctrl+B)</source>
            <translation>权益 (Ctrl+B)</translation>
        </message>
        <message>
            <source>Benefits (F12)</source>
            <translation>权益 (F12)</translation>
        </message>
        <message>
            <source>Benefits and points mall</source>
            <translation>会员权益与积分兑换</translation>
        </message>
    </context>
    <context>
        <name>CodeDialog</name>
        <message>
            <source>OK</source>
            <translation>确定</translation>
        </message>
        <message>
            <source>Cancel</source>
            <translation>取消</translation>
        </message>
    </context>
    <context>
        <name>Coupons</name>
        <message>
            <source>%1% off</source>
            <translation>%2折</translation>
        </message>
        <message>
            <source>(up to %1)</source>
            <translation>（最高减 %1）</translation>
        </message>
        <message>
            <source>%1 off</source>
            <translation>立减 %1</translation>
        </message>
        <message>
            <source>over %1</source>
            <translation>满 %1 可用</translation>
        </message>
        <message>
            <source>selected items</source>
            <translation>指定商品</translation>
        </message>
        <message>
            <source>not with the member discount</source>
            <translation>不与会员折扣同享</translation>
        </message>
    </context>
    <context>
        <name>CrashHook</name>
        <message>
            <source>Something unexpected happened. Nothing that was saved is lost: a sale is recorded in full or not at all, never half, and the basket on screen is kept as it was. If it happens again, call your manager.</source>
            <translation>发生了意外情况。已保存的数据不会丢失：一笔销售要么完整记录，要么完全没有记录，绝不会只记录一半；屏幕上的购物篮也原样保留。如再次出现，请联系店长。</translation>
        </message>
        <message>
            <source>The details are in the log file:
%1</source>
            <translation>详细信息已记录在日志文件中：
%1</translation>
        </message>
        <message>
            <source>Something went wrong</source>
            <translation>出现问题</translation>
        </message>
    </context>
    <context>
        <name>CustomerDisplay</name>
        <message>
            <source>Customer display</source>
            <translation>顾客屏</translation>
        </message>
        <message>
            <source>Item</source>
            <translation>商品</translation>
        </message>
        <message>
            <source>Qty</source>
            <translation>数量</translation>
        </message>
        <message>
            <source>Amount</source>
            <translation>金额</translation>
        </message>
        <message>
            <source>Welcome</source>
            <translation>欢迎光临</translation>
        </message>
        <message>
            <source>Subtotal %1</source>
            <translation>小计 %1</translation>
        </message>
        <message>
            <source>Member discount %1</source>
            <translation>会员折扣 %1</translation>
        </message>
        <message>
            <source>Coupon %1 %2</source>
            <translation>优惠券 %1 %2</translation>
        </message>
        <message>
            <source>%1 points %2</source>
            <translation>%1 积分 %2</translation>
        </message>
        <message>
            <source>Rounding %1</source>
            <translation>抹零 %1</translation>
        </message>
        <message>
            <source>Welcome!</source>
            <translation>欢迎光临！</translation>
        </message>
        <message>
            <source>Thank you!</source>
            <translation>谢谢惠顾！</translation>
        </message>
        <message>
            <source>Your change: %1</source>
            <translation>找零：%1</translation>
        </message>
        <message>
            <source>Paid %1</source>
            <translation>实付 %1</translation>
        </message>
        <message>
            <source>You save %1 today</source>
            <translation>本单为您节省 %1</translation>
        </message>
        <message>
            <source>To pay %1</source>
            <translation>应付 %1</translation>
        </message>
        <message>
            <source>Points: %1</source>
            <translation>积分：%1</translation>
        </message>
        <message>
            <source>(+%1 with this order)</source>
            <translation>（本单 +%1）</translation>
        </message>
        <message>
            <source>%1 price: you save %2 on this order</source>
            <translation>%1价：本单为您节省 %2</translation>
        </message>
        <message>
            <source>Not a member yet? Scan to join and collect points on this order.</source>
            <translation>还不是会员？扫码注册，本单即可积分。</translation>
        </message>
    </context>
    <context>
        <name>DamagedDatabase</name>
        <message>
            <source>The till's database is missing, but this computer has backups of it.</source>
            <translation>收银机的数据库不见了，但这台电脑上有它的备份。</translation>
        </message>
        <message>
            <source>The till's database file is empty: its data is gone.</source>
            <translation>收银机的数据库文件是空的：其中的数据已丢失。</translation>
        </message>
        <message>
            <source>The till's database is damaged.</source>
            <translation>收银机的数据库已损坏。</translation>
        </message>
        <message>
            <source>The till's database has lost its latest sales: a file of the database went missing.</source>
            <translation>收银机的数据库丢失了最近的销售：数据库的一个文件不见了。</translation>
        </message>
        <message>
            <source>This database belongs to another till.</source>
            <translation>这个数据库属于另一台收银机。</translation>
        </message>
        <message>
            <source>The till cannot write to its data folder (a read-only disk or missing permissions).</source>
            <translation>收银机无法写入数据文件夹（磁盘只读或权限不足）。</translation>
        </message>
        <message>
            <source>The till's database cannot be used as it is.</source>
            <translation>收银机的数据库目前无法使用。</translation>
        </message>
    </context>
    <context>
        <name>DamagedDatabaseDialog</name>
        <message>
            <source>The till cannot start</source>
            <translation>收银机无法启动</translation>
        </message>
        <message>
            <source>Nothing was changed. Make the data folder writable for this user (or set POS_MEMBER_HOME to a writable folder), then start the till again.</source>
            <translation>没有做任何更改。请让当前用户可以写入数据文件夹（或把 POS_MEMBER_HOME 设为可写的文件夹），然后重新启动收银机。</translation>
        </message>
        <message>
            <source>Nothing was changed. No sound backup was found in the backups folder: ask for help before using this till again.</source>
            <translation>没有做任何更改。备份文件夹中没有找到完好的备份：请先寻求技术支持，再使用这台收银机。</translation>
        </message>
        <message>
            <source>Nothing was changed. The newest good backup is %1 (%2). Restore it here, or on the command line: pos-member db restore %1. The current file is kept as a backup first; sales made after the backup that were already synced are at the central service.</source>
            <translation>没有做任何更改。最新的完好备份是 %1（%2）。可以在这里恢复，或在命令行运行：pos-member db restore %1。恢复前会先把当前文件另存为备份；备份之后已同步的销售保存在总部服务中。</translation>
        </message>
        <message>
            <source>Restore this backup</source>
            <translation>恢复此备份</translation>
        </message>
        <message>
            <source>Quit</source>
            <translation>退出</translation>
        </message>
        <message>
            <source>Restoring the backup…</source>
            <translation>正在恢复备份…</translation>
        </message>
        <message>
            <source>The backup could not be restored: %1</source>
            <translation>备份无法恢复：%1</translation>
        </message>
    </context>
    <context>
        <name>Errors</name>
        <message>
            <source>Wrong PIN: 1 more try before the lock-out.</source>
            <translation>密码错误：再错 1 次将锁定。</translation>
        </message>
        <message>
            <source>Wrong PIN: %1 more tries before the lock-out.</source>
            <translation>密码错误：再错 %1 次将锁定。</translation>
        </message>
        <message>
            <source>Locked out after repeated wrong PINs: try again in %1 minutes.</source>
            <translation>多次密码错误已锁定：请 %1 分钟后再试。</translation>
        </message>
        <message>
            <source>Wrong PIN.</source>
            <translation>密码错误。</translation>
        </message>
        <message>
            <source>This staff member is locked out after repeated wrong PINs.</source>
            <translation>多次输错密码，该员工已被锁定。</translation>
        </message>
        <message>
            <source>Not found.</source>
            <translation>未找到。</translation>
        </message>
        <message>
            <source>This scale label's item code is not a product of this till.</source>
            <translation>该秤签的商品码不是本机的商品。</translation>
        </message>
        <message>
            <source>This scale label is for a product sold by the piece.</source>
            <translation>该秤签对应的是按件销售的商品。</translation>
        </message>
        <message>
            <source>Unknown staff code.</source>
            <translation>工号不存在。</translation>
        </message>
        <message>
            <source>The approver is not a manager.</source>
            <translation>授权人不是店长。</translation>
        </message>
        <message>
            <source>This member is not on this till yet; ask for their phone number.</source>
            <translation>本机尚无该会员资料，请询问手机号。</translation>
        </message>
        <message>
            <source>This member code has expired; ask the member to refresh it.</source>
            <translation>会员码已过期，请会员刷新后再出示。</translation>
        </message>
        <message>
            <source>This member code is not valid yet; check the till's clock.</source>
            <translation>会员码尚未生效，请检查收银机时间。</translation>
        </message>
        <message>
            <source>This member code is forged or damaged.</source>
            <translation>会员码无效（伪造或损坏）。</translation>
        </message>
        <message>
            <source>This member code was already used to spend points; ask for a fresh one.</source>
            <translation>该会员码已用于积分抵现，请会员刷新后再出示。</translation>
        </message>
        <message>
            <source>This member code has been revoked.</source>
            <translation>该会员码已被吊销。</translation>
        </message>
        <message>
            <source>This member code was signed with a key this till does not have yet.</source>
            <translation>该会员码的签名密钥本机尚未同步。</translation>
        </message>
        <message>
            <source>A member with this phone number already exists.</source>
            <translation>该手机号已注册会员。</translation>
        </message>
        <message>
            <source>Enter an 11-digit mobile number.</source>
            <translation>请输入 11 位手机号。</translation>
        </message>
        <message>
            <source>Open a shift before selling.</source>
            <translation>请先开班再收银。</translation>
        </message>
        <message>
            <source>The basket is empty.</source>
            <translation>购物篮为空。</translation>
        </message>
        <message>
            <source>The payments do not cover the total yet.</source>
            <translation>已收金额不足。</translation>
        </message>
        <message>
            <source>The payments exceed the total; give change on cash only.</source>
            <translation>已收金额超出应收，只有现金可以找零。</translation>
        </message>
        <message>
            <source>Fewer points can be redeemed than asked.</source>
            <translation>可抵现的积分少于所填数量。</translation>
        </message>
        <message>
            <source>This product is not in the catalogue.</source>
            <translation>商品不在商品库中。</translation>
        </message>
        <message>
            <source>This coupon choice is not possible.</source>
            <translation>该优惠券选择不可用。</translation>
        </message>
        <message>
            <source>The member has had this gift already.</source>
            <translation>该会员已领取过此礼遇。</translation>
        </message>
        <message>
            <source>This gift is not for this member today.</source>
            <translation>此礼遇今天不适用于该会员。</translation>
        </message>
        <message>
            <source>This gift's product is not on sale at this till.</source>
            <translation>此礼遇的商品在本收银台未上架。</translation>
        </message>
    </context>
    <context>
        <name>Figures</name>
        <message>
            <source>given back by refunds</source>
            <translation>退款退回</translation>
        </message>
        <message>
            <source>taken back by refunds</source>
            <translation>退款收回</translation>
        </message>
        <message>
            <source>Points redeemed, net of refunds</source>
            <translation>抵现积分（扣除退款）</translation>
        </message>
        <message>
            <source>Points earned, net of refunds</source>
            <translation>获得积分（扣除退款）</translation>
        </message>
        <message>
            <source>Non-member</source>
            <translation>非会员</translation>
        </message>
        <message>
            <source>Shift</source>
            <translation>班次</translation>
        </message>
        <message>
            <source>Status</source>
            <translation>状态</translation>
        </message>
        <message>
            <source>Open</source>
            <translation>营业中</translation>
        </message>
        <message>
            <source>Closed</source>
            <translation>已交班</translation>
        </message>
        <message>
            <source>Opened</source>
            <translation>开班时间</translation>
        </message>
        <message>
            <source>Opened by</source>
            <translation>开班人</translation>
        </message>
        <message>
            <source>Closed at</source>
            <translation>交班时间</translation>
        </message>
        <message>
            <source>Sales</source>
            <translation>销售</translation>
        </message>
        <message>
            <source>Number of sales</source>
            <translation>销售笔数</translation>
        </message>
        <message>
            <source>Sales before discounts</source>
            <translation>折前销售额</translation>
        </message>
        <message>
            <source>Member discounts</source>
            <translation>会员折扣</translation>
        </message>
        <message>
            <source>Coupons (%1 used)</source>
            <translation>优惠券（已用 %1 张）</translation>
        </message>
        <message>
            <source>Points redeemed (%1 points)</source>
            <translation>积分抵现（%1 积分）</translation>
        </message>
        <message>
            <source>Rounding</source>
            <translation>抹零</translation>
        </message>
        <message>
            <source>Paid with money</source>
            <translation>实收金额</translation>
        </message>
        <message>
            <source>Refunds (%1)</source>
            <translation>退款（%1 笔）</translation>
        </message>
        <message>
            <source>Voided lines and baskets</source>
            <translation>作废的商品行和整单</translation>
        </message>
        <message>
            <source>Net takings</source>
            <translation>净收入</translation>
        </message>
        <message>
            <source>By tender</source>
            <translation>按支付方式</translation>
        </message>
        <message>
            <source>of which refunded</source>
            <translation>其中退款</translation>
        </message>
        <message>
            <source>Cash drawer</source>
            <translation>钱箱</translation>
        </message>
        <message>
            <source>Opening float</source>
            <translation>备用金</translation>
        </message>
        <message>
            <source>Paid in</source>
            <translation>存入</translation>
        </message>
        <message>
            <source>Paid out</source>
            <translation>支出</translation>
        </message>
        <message>
            <source>Drawer opened without a sale</source>
            <translation>无销售开钱箱</translation>
        </message>
        <message>
            <source>Cash expected in the drawer</source>
            <translation>钱箱应有现金</translation>
        </message>
        <message>
            <source>Count at closing</source>
            <translation>交班清点</translation>
        </message>
        <message>
            <source>expected</source>
            <translation>应有</translation>
        </message>
        <message>
            <source>counted</source>
            <translation>实点</translation>
        </message>
        <message>
            <source>over/short</source>
            <translation>长短款</translation>
        </message>
        <message>
            <source>By member tier</source>
            <translation>按会员等级</translation>
        </message>
        <message>
            <source>Points</source>
            <translation>积分</translation>
        </message>
        <message>
            <source>Sync</source>
            <translation>同步</translation>
        </message>
        <message>
            <source>Events waiting to sync</source>
            <translation>待同步事件</translation>
        </message>
        <message>
            <source>Open conflicts</source>
            <translation>未处理冲突</translation>
        </message>
    </context>
    <context>
        <name>FirstRunWizard</name>
        <message>
            <source>POS Member: set up this till</source>
            <translation>POS Member：设置这台收银机</translation>
        </message>
        <message>
            <source>Back</source>
            <translation>上一步</translation>
        </message>
        <message>
            <source>Cancel</source>
            <translation>取消</translation>
        </message>
        <message>
            <source>Step %1 of %2</source>
            <translation>第 %1 步，共 %2 步</translation>
        </message>
        <message>
            <source>Finish set-up</source>
            <translation>完成设置</translation>
        </message>
        <message>
            <source>Next</source>
            <translation>下一步</translation>
        </message>
        <message>
            <source>Checking…</source>
            <translation>正在检查…</translation>
        </message>
        <message>
            <source>Creating the till's database and enrolling with the central service…</source>
            <translation>正在创建收银机数据库并向总部服务注册…</translation>
        </message>
        <message>
            <source>Creating the till's database with the demo brand… (a few seconds)</source>
            <translation>正在创建收银机数据库和演示品牌…（需要几秒钟）</translation>
        </message>
        <message>
            <source>These printer settings cannot be used: %1</source>
            <translation>无法使用这些打印机设置：%1</translation>
        </message>
        <message>
            <source>Enter the printer first.</source>
            <translation>请先填写打印机。</translation>
        </message>
        <message>
            <source>The till is already running on this computer, or another start has just set it up. Close this window and start the till again.</source>
            <translation>收银程序已在这台电脑上运行，或另一次启动刚刚完成了设置。请关闭此窗口，然后重新启动收银程序。</translation>
        </message>
        <message>
            <source>Enter the central service's address, e.g. https://pos.example.com</source>
            <translation>请输入总部服务的地址，例如 https://pos.example.com</translation>
        </message>
        <message>
            <source>An enrolment code has 12 letters and digits, e.g. 7KQ4-M2XD-9RTB.</source>
            <translation>注册码由 12 位字母和数字组成，例如 7KQ4-M2XD-9RTB。</translation>
        </message>
        <message>
            <source>The central service cannot be reached at this address. Check the address and the network, then try again.</source>
            <translation>无法通过此地址连接总部服务。请检查地址和网络，然后重试。</translation>
        </message>
        <message>
            <source>The central service did not answer in time. Try again in a moment.</source>
            <translation>总部服务未能及时响应，请稍后重试。</translation>
        </message>
        <message>
            <source>The central service has a problem right now. Try again later.</source>
            <translation>总部服务暂时出现问题，请稍后重试。</translation>
        </message>
        <message>
            <source>This enrolment code is not valid (or not for this store). Ask your head office for a new one.</source>
            <translation>此注册码无效（或不属于本门店）。请向总部索取新的注册码。</translation>
        </message>
        <message>
            <source>This enrolment code has already been used. Ask your head office for a new one.</source>
            <translation>此注册码已被使用。请向总部索取新的注册码。</translation>
        </message>
        <message>
            <source>This enrolment code has expired. Ask your head office for a new one.</source>
            <translation>此注册码已过期。请向总部索取新的注册码。</translation>
        </message>
        <message>
            <source>Enter the store's name and the till's name.</source>
            <translation>请输入门店名称和收银机名称。</translation>
        </message>
        <message>
            <source>The set-up could not finish: %1</source>
            <translation>设置未能完成：%1</translation>
        </message>
        <message>
            <source>The set-up could not finish: %1. The details are in the log file.</source>
            <translation>设置未能完成：%1。详细信息已记录在日志文件中。</translation>
        </message>
        <message>
            <source>Nothing was created: try again, or choose the demo brand for now.</source>
            <translation>未创建任何数据：请重试，或先选择演示品牌。</translation>
        </message>
        <message>
            <source>Nothing was created: try again.</source>
            <translation>未创建任何数据：请重试。</translation>
        </message>
    </context>
    <context>
        <name>Gifts</name>
        <message>
            <source>Birthday gift</source>
            <translation>生日礼</translation>
        </message>
        <message>
            <source>Member-day coupon</source>
            <translation>会员日券</translation>
        </message>
        <message>
            <source>Upgrade gift</source>
            <translation>升级礼</translation>
        </message>
        <message>
            <source>Upgraded to %1: upgrade gift %2</source>
            <translation>升级%1：获得升级礼 %2</translation>
        </message>
        <message>
            <source>Gifts to collect</source>
            <translation>可领取的礼遇</translation>
        </message>
        <message>
            <source>Collect</source>
            <translation>领取</translation>
        </message>
        <message>
            <source>Collected: %1 (coupon %2)</source>
            <translation>已领取：%1（券 %2）</translation>
        </message>
    </context>
    <context>
        <name>HeldOrders</name>
        <message>
            <source>Hold the order</source>
            <translation>挂单</translation>
        </message>
        <message>
            <source>Recall an order</source>
            <translation>取单</translation>
        </message>
        <message>
            <source>Hold (Ctrl+H)</source>
            <translation>挂单（Ctrl+H）</translation>
        </message>
        <message>
            <source>Recall (Ctrl+R)</source>
            <translation>取单（Ctrl+R）</translation>
        </message>
        <message>
            <source>Recall (Ctrl+R) · %1</source>
            <translation>取单（Ctrl+R）· %1</translation>
        </message>
        <message>
            <source>The basket is empty: nothing to hold.</source>
            <translation>购物车为空，无可挂单。</translation>
        </message>
        <message>
            <source>Order held: %1, %2. Recall it with Ctrl+R.</source>
            <translation>已挂单：%1，%2。按 Ctrl+R 取单。</translation>
        </message>
        <message>
            <source>Finish or hold (Ctrl+H) this sale first, then recall an order.</source>
            <translation>请先完成或挂起（Ctrl+H）当前订单，再取单。</translation>
        </message>
        <message>
            <source>A sale is on screen: the recalled order was held again.</source>
            <translation>当前有订单在进行：取出的挂单已重新挂起。</translation>
        </message>
        <message>
            <source>The total changed from %1 to %2: prices or offers changed while the order was on hold.</source>
            <translation>应付金额由 %1 变为 %2：挂单期间价格或优惠已变化。</translation>
        </message>
        <message>
            <source>No longer sold, left out: %1.</source>
            <translation>已停售，未加入：%1。</translation>
        </message>
        <message>
            <source>Coupons no longer valid, left out: %1.</source>
            <translation>已失效的券，未使用：%1。</translation>
        </message>
        <message>
            <source>Order recalled: %1.</source>
            <translation>已取单：%1。</translation>
        </message>
        <message>
            <source>Benefits or rewards no longer available, left out: %1.</source>
            <translation>权益或积分兑换已不可用，已移除：%1。</translation>
        </message>
        <message>
            <source>Too many orders are on hold: recall or discard one first.</source>
            <translation>挂单太多：请先取单或删除一单。</translation>
        </message>
        <message>
            <source>That order is no longer on hold.</source>
            <translation>该挂单已不存在。</translation>
        </message>
    </context>
    <context>
        <name>LanguagePage</name>
        <message>
            <source>Welcome to POS Member</source>
            <translation>欢迎使用 POS Member</translation>
        </message>
        <message>
            <source>Choose the till's language. 请选择收银台的语言。</source>
            <translation>请选择收银台的语言。Choose the till's language.</translation>
        </message>
        <message>
            <source>You can change it later in Settings, or with Ctrl+Shift+L.</source>
            <translation>以后可以在“设置”中更改，或按 Ctrl+Shift+L 切换。</translation>
        </message>
    </context>
    <context>
        <name>Launcher</name>
        <message>
            <source>POS Member</source>
            <translation>会员收银</translation>
        </message>
        <message>
            <source>The till is already running on this computer. Use the window that is open; this one closes.</source>
            <translation>收银程序已在本机运行。请使用已打开的窗口；本窗口将关闭。</translation>
        </message>
        <message>
            <source>This till is enrolled with the central service. Products and members arrive with the first sync.</source>
            <translation>这台收银机已在总部服务注册。商品和会员将在首次同步时下载。</translation>
        </message>
        <message>
            <source>The enrolment code is recorded; the till enrols when the sync service runs, then products and members arrive.</source>
            <translation>注册码已记录；同步服务运行时收银机将完成注册，随后下载商品和会员。</translation>
        </message>
        <message>
            <source>The till cannot start: its data needs attention.</source>
            <translation>收银机无法启动：数据需要处理。</translation>
        </message>
        <message>
            <source>The till's database could not be opened; the details are in the log file.</source>
            <translation>无法打开收银数据库，详细信息已记录在日志文件中。</translation>
        </message>
        <message>
            <source>The till is already running on this computer.</source>
            <translation>本机已在运行收银程序。</translation>
        </message>
    </context>
    <context>
        <name>LockScreen</name>
        <message>
            <source>Till locked</source>
            <translation>收银机已锁定</translation>
        </message>
        <message>
            <source>%1, enter your PIN to continue</source>
            <translation>%1，请输入密码继续</translation>
        </message>
        <message>
            <source>Unlock</source>
            <translation>解锁</translation>
        </message>
        <message>
            <source>Sign out (another cashier)</source>
            <translation>退出登录（换人收银）</translation>
        </message>
        <message>
            <source>Locked</source>
            <translation>已锁定</translation>
        </message>
    </context>
    <context>
        <name>LoginScreen</name>
        <message>
            <source>POS Member</source>
            <translation>会员收银</translation>
        </message>
        <message>
            <source>Sign in with your staff code and PIN</source>
            <translation>请输入工号和密码登录</translation>
        </message>
        <message>
            <source>Staff code</source>
            <translation>工号</translation>
        </message>
        <message>
            <source>Sign in</source>
            <translation>登录</translation>
        </message>
        <message>
            <source>Enter your staff code.</source>
            <translation>请输入工号。</translation>
        </message>
        <message>
            <source>%1: opening the shift</source>
            <translation>%1：正在开班</translation>
        </message>
    </context>
    <context>
        <name>MainWindow</name>
        <message>
            <source>Open a shift</source>
            <translation>开班</translation>
        </message>
        <message>
            <source>No shift is open on this till. Count the float in the drawer and enter it to start selling.</source>
            <translation>本机尚未开班。请清点钱箱备用金并输入金额后开始收银。</translation>
        </message>
        <message>
            <source>Sign in first, then scan.</source>
            <translation>请先登录再扫码。</translation>
        </message>
        <message>
            <source>This code cannot be used here.</source>
            <translation>此处不能使用该码。</translation>
        </message>
        <message>
            <source>Something went wrong</source>
            <translation>出现问题</translation>
        </message>
        <message>
            <source>The till could not finish this step. Nothing saved is lost; try again, and call your manager if it happens again.</source>
            <translation>收银机未能完成此操作。已保存的数据不会丢失；请重试，如再次出现请联系店长。</translation>
        </message>
        <message>
            <source>F1  this help</source>
            <translation>F1  本帮助</translation>
        </message>
        <message>
            <source>F12  lock the till</source>
            <translation>F12  锁定收银机</translation>
        </message>
        <message>
            <source>Ctrl+Shift+L  switch language</source>
            <translation>Ctrl+Shift+L  切换语言</translation>
        </message>
        <message>
            <source>Keyboard shortcuts</source>
            <translation>快捷键</translation>
        </message>
        <message>
            <source>POS Member</source>
            <translation>会员收银</translation>
        </message>
        <message>
            <source>Demo data was created: cashier S002 PIN 1357, manager S001 PIN 2468.</source>
            <translation>已创建演示数据：收银员 S002 密码 1357，店长 S001 密码 2468。</translation>
        </message>
        <message>
            <source>Finish, hold (Ctrl+H) or void this sale before signing out.</source>
            <translation>请先结账、挂单（Ctrl+H）或作废本单，再退出登录。</translation>
        </message>
    </context>
    <context>
        <name>ManagerScreens</name>
        <message>
            <source>Sales history</source>
            <translation>销售记录</translation>
        </message>
        <message>
            <source>Shifts</source>
            <translation>班次</translation>
        </message>
        <message>
            <source>Refund</source>
            <translation>退款</translation>
        </message>
        <message>
            <source>Reconciliation</source>
            <translation>对账</translation>
        </message>
        <message>
            <source>Settings</source>
            <translation>设置</translation>
        </message>
    </context>
    <context>
        <name>MemberEditDialog</name>
        <message>
            <source>Edit member details</source>
            <translation>修改会员资料</translation>
        </message>
        <message>
            <source>Name</source>
            <translation>姓名</translation>
        </message>
        <message>
            <source>Birthday (YYYYMMDD, optional)</source>
            <translation>生日（YYYYMMDD，可不填）</translation>
        </message>
        <message>
            <source>Agrees to receive offers</source>
            <translation>同意接收优惠信息</translation>
        </message>
        <message>
            <source>Save</source>
            <translation>保存</translation>
        </message>
        <message>
            <source>Cancel</source>
            <translation>取消</translation>
        </message>
        <message>
            <source>The birthday is not a real date.</source>
            <translation>生日不是有效日期。</translation>
        </message>
    </context>
    <context>
        <name>MemberHistoryDialog</name>
        <message>
            <source>Edit details</source>
            <translation>修改资料</translation>
        </message>
        <message>
            <source>Saved; the central service gets the change with the next sync.</source>
            <translation>已保存；下次同步时发送到总部。</translation>
        </message>
        <message>
            <source>%1  receipt %2  %3  lines: %4</source>
            <translation>%1  小票 %2  %3  商品 %4 种</translation>
        </message>
        <message>
            <source>(no name)</source>
            <translation>（未填姓名）</translation>
        </message>
        <message>
            <source>(not yet confirmed by the central service)</source>
            <translation>（待总部确认）</translation>
        </message>
        <message>
            <source>(voided)</source>
            <translation>（已作废）</translation>
        </message>
        <message>
            <source>+%1 points</source>
            <translation>+%1 积分</translation>
        </message>
        <message>
            <source>Close (Esc)</source>
            <translation>关闭 (Esc)</translation>
        </message>
        <message>
            <source>Coupons</source>
            <translation>优惠券</translation>
        </message>
        <message>
            <source>Member history</source>
            <translation>会员记录</translation>
        </message>
        <message>
            <source>No coupons of their own.</source>
            <translation>该会员没有专属优惠券。</translation>
        </message>
        <message>
            <source>No points changes at this till yet.</source>
            <translation>本机尚无积分变动记录。</translation>
        </message>
        <message>
            <source>No purchases at this till yet.</source>
            <translation>本机尚无消费记录。</translation>
        </message>
        <message>
            <source>Points</source>
            <translation>积分记录</translation>
        </message>
        <message>
            <source>Purchases</source>
            <translation>消费记录</translation>
        </message>
        <message>
            <source>Purchases and points changes made at this till; the member's app shows those of every store.</source>
            <translation>此处为本收银机的消费与积分记录；会员在 App 中可查看所有门店的记录。</translation>
        </message>
        <message>
            <source>adjusted</source>
            <translation>调整</translation>
        </message>
        <message>
            <source>earned</source>
            <translation>获得</translation>
        </message>
        <message>
            <source>expired</source>
            <translation>过期</translation>
        </message>
        <message>
            <source>given back (refund)</source>
            <translation>退还（退货）</translation>
        </message>
        <message>
            <source>receipt %1</source>
            <translation>小票 %1</translation>
        </message>
        <message>
            <source>spent</source>
            <translation>抵扣</translation>
        </message>
        <message>
            <source>taken back (refund)</source>
            <translation>扣回（退货）</translation>
        </message>
        <message>
            <source>−%1 points</source>
            <translation>−%1 积分</translation>
        </message>
    </context>
    <context>
        <name>MemberLookupDialog</name>
        <message>
            <source>Phone number, or its last four digits, or the name (pinyin initials too: zs for 张三)</source>
            <translation>手机号、手机尾号后四位，或姓名（也可输入拼音首字母：张三输入 zs）</translation>
        </message>
        <message>
            <source>Find a member</source>
            <translation>查找会员</translation>
        </message>
        <message>
            <source>Search</source>
            <translation>查找</translation>
        </message>
        <message>
            <source>Cancel</source>
            <translation>取消</translation>
        </message>
        <message>
            <source>%1 points</source>
            <translation>%1 积分</translation>
        </message>
        <message>
            <source>%1 members match: pick one.</source>
            <translation>找到 %1 位会员，请选择。</translation>
        </message>
        <message>
            <source>Phone number, or its last four digits</source>
            <translation>手机号或手机尾号后四位</translation>
        </message>
    </context>
    <context>
        <name>MemberPanel</name>
        <message>
            <source>History</source>
            <translation>记录</translation>
        </message>
        <message>
            <source>until %1</source>
            <translation>有效期至 %1</translation>
        </message>
        <message>
            <source>Points: %1 · %2 usable · %3 held until the central service confirms them</source>
            <translation>积分 %1 · 可用 %2 · %3 待同步确认</translation>
        </message>
        <message>
            <source>Only %1 of the %2 points asked can be redeemed: %3.</source>
            <translation>所填 %2 积分中只能抵用 %1 积分：受限于%3。</translation>
        </message>
        <message>
            <source>%1 points take %2 off.</source>
            <translation>%1 积分抵扣 %2。</translation>
        </message>
        <message>
            <source>Points to redeem</source>
            <translation>积分抵现</translation>
        </message>
        <message>
            <source>Max</source>
            <translation>最大</translation>
        </message>
        <message>
            <source>Find (F2)</source>
            <translation>查找 (F2)</translation>
        </message>
        <message>
            <source>Join (F4)</source>
            <translation>注册 (F4)</translation>
        </message>
        <message>
            <source>Remove (F11)</source>
            <translation>移除 (F11)</translation>
        </message>
        <message>
            <source>No member</source>
            <translation>非会员</translation>
        </message>
        <message>
            <source>Scan the member's code from their app, or press F2 to find them by phone number.</source>
            <translation>请扫描会员 App 中的会员码，或按 F2 用手机号查找。</translation>
        </message>
        <message>
            <source>(no name)</source>
            <translation>（未填姓名）</translation>
        </message>
        <message>
            <source>Points: %1 (available %2)</source>
            <translation>积分：%1（可用 %2）</translation>
        </message>
        <message>
            <source>Top tier · growth %1</source>
            <translation>已是最高等级 · 成长值 %1</translation>
        </message>
        <message>
            <source>Growth %1 / %2 to %3</source>
            <translation>成长值 %1 / %2 升级%3</translation>
        </message>
        <message>
            <source>this sale +%1</source>
            <translation>本单 +%1</translation>
        </message>
        <message>
            <source>%1 · %2 · saves %3</source>
            <translation>%1 · %2 · 优惠 %3</translation>
        </message>
        <message>
            <source>%1 · %2 · not used: %3</source>
            <translation>%1 · %2 · 未使用：%3</translation>
        </message>
        <message>
            <source>Recharge</source>
            <translation>充值</translation>
        </message>
        <message>
            <source>Stored value %1 (bonus %2)</source>
            <translation>储值 %1（含赠送 %2）</translation>
        </message>
        <message>
            <source>Stored value %1</source>
            <translation>储值 %1</translation>
        </message>
    </context>
    <context>
        <name>MenuScreen</name>
        <message>
            <source>Functions</source>
            <translation>功能</translation>
        </message>
        <message>
            <source>Back to checkout (Esc)</source>
            <translation>返回收银 (Esc)</translation>
        </message>
        <message>
            <source>Back to checkout</source>
            <translation>返回收银</translation>
        </message>
    </context>
    <context>
        <name>ModePage</name>
        <message>
            <source>Products and members</source>
            <translation>商品和会员</translation>
        </message>
        <message>
            <source>Connect this till to your brand's central service, or try the till with the demo brand.</source>
            <translation>将这台收银机连接到品牌的总部服务，或先用演示品牌试用收银机。</translation>
        </message>
        <message>
            <source>Use the demo brand</source>
            <translation>使用演示品牌</translation>
        </message>
        <message>
            <source>A tea and coffee shop with drinks, bakery and retail goods, members with points and coupons, and staff to sign in with (cashier S002, PIN 1357; manager S001, PIN 2468). Sell within a minute.</source>
            <translation>一家茶饮咖啡店：饮品、烘焙和零售商品，带积分和优惠券的会员，以及可登录的员工（收银员 S002，密码 1357；店长 S001，密码 2468）。一分钟内即可开始收银。</translation>
        </message>
        <message>
            <source>Not offered: this till was started without demo data.</source>
            <translation>不可用：收银程序以“不创建演示数据”方式启动。</translation>
        </message>
        <message>
            <source>Connect to the central service</source>
            <translation>连接总部服务</translation>
        </message>
        <message>
            <source>Your head office gives you the service's address and a one-time enrolment code for this till. Products and members then come from there.</source>
            <translation>总部会提供服务地址和这台收银机的一次性注册码。之后商品和会员都从总部同步。</translation>
        </message>
        <message>
            <source>Address</source>
            <translation>地址</translation>
        </message>
        <message>
            <source>Enrolment code</source>
            <translation>注册码</translation>
        </message>
    </context>
    <context>
        <name>PaymentDialog</name>
        <message>
            <source>Enter an amount like 12.50.</source>
            <translation>请输入金额，例如 12.50。</translation>
        </message>
        <message>
            <source>Everything is paid: press Finish (Enter).</source>
            <translation>已收齐：请按完成 (Enter)。</translation>
        </message>
        <message>
            <source>Enter an amount greater than zero.</source>
            <translation>请输入大于零的金额。</translation>
        </message>
        <message>
            <source>Enter or scan the voucher's code first.</source>
            <translation>请先输入或扫描券码。</translation>
        </message>
        <message>
            <source>Only cash can be more than what is due; %1 taken.</source>
            <translation>只有现金可以多收；已收 %1。</translation>
        </message>
        <message>
            <source>%1 is still due.</source>
            <translation>还需收 %1。</translation>
        </message>
        <message>
            <source>Payment</source>
            <translation>收款</translation>
        </message>
        <message>
            <source>Total %1</source>
            <translation>合计 %1</translation>
        </message>
        <message>
            <source>Due %1</source>
            <translation>待收 %1</translation>
        </message>
        <message>
            <source>Change %1</source>
            <translation>找零 %1</translation>
        </message>
        <message>
            <source>Voucher or payment reference</source>
            <translation>券码或支付单号</translation>
        </message>
        <message>
            <source>(handed %1)</source>
            <translation>（实收 %1）</translation>
        </message>
        <message>
            <source>Undo last</source>
            <translation>撤销上一笔</translation>
        </message>
        <message>
            <source>Back (Esc)</source>
            <translation>返回 (Esc)</translation>
        </message>
        <message>
            <source>Finish (Enter)</source>
            <translation>完成 (Enter)</translation>
        </message>
        <message>
            <source>No stored-value balance left to pay with.</source>
            <translation>没有可用的储值余额。</translation>
        </message>
        <message>
            <source>The balance covers %1.</source>
            <translation>余额可支付 %1。</translation>
        </message>
        <message>
            <source>Balance %1 (F6)</source>
            <translation>储值 %1 (F6)</translation>
        </message>
    </context>
    <context>
        <name>PinPad</name>
        <message>
            <source>OK</source>
            <translation>确定</translation>
        </message>
        <message>
            <source>PIN</source>
            <translation>密码</translation>
        </message>
    </context>
    <context>
        <name>PrinterFinder</name>
        <message>
            <source>Find printers</source>
            <translation>查找打印机</translation>
        </message>
        <message>
            <source>Cancel</source>
            <translation>取消</translation>
        </message>
        <message>
            <source>Use this printer</source>
            <translation>使用这台打印机</translation>
        </message>
        <message>
            <source>No printer found. Check the cable and the power, or enter the printer below.</source>
            <translation>没有找到打印机。请检查数据线和电源，或在下面填写打印机。</translation>
        </message>
        <message>
            <source>Search again</source>
            <translation>重新查找</translation>
        </message>
        <message>
            <source>(maybe not a printer)</source>
            <translation>（可能不是打印机）</translation>
        </message>
        <message>
            <source>Looking at USB…</source>
            <translation>正在查看 USB 设备…</translation>
        </message>
        <message>
            <source>Asking Windows for its printers…</source>
            <translation>正在读取 Windows 打印机列表…</translation>
        </message>
        <message>
            <source>Asking CUPS for its queues…</source>
            <translation>正在读取 CUPS 打印队列…</translation>
        </message>
        <message>
            <source>Listing serial ports…</source>
            <translation>正在列出串口…</translation>
        </message>
        <message>
            <source>Looking for network printers on port 9100…</source>
            <translation>正在查找网络打印机（端口 9100）…</translation>
        </message>
        <message>
            <source>Connect and switch on the printer, then find it here. Network printers must be on this till's network.</source>
            <translation>请先连接并打开打印机，然后在这里查找。网络打印机须与本收银机在同一网络。</translation>
        </message>
        <message>
            <source>USB</source>
            <translation>USB</translation>
        </message>
        <message>
            <source>Windows printer</source>
            <translation>Windows 打印机</translation>
        </message>
        <message>
            <source>CUPS queue</source>
            <translation>CUPS 队列</translation>
        </message>
        <message>
            <source>serial port</source>
            <translation>串口</translation>
        </message>
        <message>
            <source>network</source>
            <translation>网络</translation>
        </message>
        <message>
            <source>Searching…</source>
            <translation>正在查找…</translation>
        </message>
        <message>
            <source>Search cancelled.</source>
            <translation>已取消查找。</translation>
        </message>
        <message>
            <source>The search failed: %1</source>
            <translation>查找失败：%1</translation>
        </message>
        <message>
            <source>%1 found (%2 certainly printers). Pick one and print a test page.</source>
            <translation>找到 %1 个（其中 %2 个确定是打印机）。请选择一个并打印测试页。</translation>
        </message>
    </context>
    <context>
        <name>PrinterPage</name>
        <message>
            <source>Receipt printer</source>
            <translation>小票打印机</translation>
        </message>
        <message>
            <source>Printer</source>
            <translation>打印机</translation>
        </message>
        <message>
            <source>Network: network:192.168.1.50:9100 · USB: usb:04b8:0202 (vendor:product) · serial: serial:COM3 · a file or device: file:/dev/usb/lp0</source>
            <translation>网络：network:192.168.1.50:9100 · USB：usb:04b8:0202（厂商:产品）· 串口：serial:COM3 · 文件或设备：file:/dev/usb/lp0</translation>
        </message>
        <message>
            <source>Paper</source>
            <translation>纸宽</translation>
        </message>
        <message>
            <source>80 mm (48 columns)</source>
            <translation>80 毫米（48 列）</translation>
        </message>
        <message>
            <source>58 mm (32 columns)</source>
            <translation>58 毫米（32 列）</translation>
        </message>
        <message>
            <source>Encoding</source>
            <translation>编码</translation>
        </message>
        <message>
            <source>gb18030 for printers with Chinese fonts; raster prints Chinese as an image on any printer.</source>
            <translation>带中文字库的打印机选 gb18030；raster 以图像方式打印中文，适用于任何打印机。</translation>
        </message>
        <message>
            <source>Testing…</source>
            <translation>正在测试…</translation>
        </message>
        <message>
            <source>Print a test page</source>
            <translation>打印测试页</translation>
        </message>
        <message>
            <source>No printer for now</source>
            <translation>暂不使用打印机</translation>
        </message>
        <message>
            <source>Printing the test page on %1…</source>
            <translation>正在 %1 上打印测试页…</translation>
        </message>
        <message>
            <source>These printer settings cannot be used: %1</source>
            <translation>无法使用这些打印机设置：%1</translation>
        </message>
        <message>
            <source>Enter the printer first.</source>
            <translation>请先填写打印机。</translation>
        </message>
        <message>
            <source>Test page printed on %1 (%2 bytes). Check the paper: Chinese, the ruler and the QR code should be clear.</source>
            <translation>测试页已在 %1 上打印（%2 字节）。请检查纸上的中文、标尺和二维码是否清晰。</translation>
        </message>
        <message>
            <source>Not printed on %1: %2. Check the cable, the power and the paper, then try again.</source>
            <translation>未能在 %1 上打印：%2。请检查连线、电源和纸张，然后重试。</translation>
        </message>
        <message>
            <source>Connect and switch on the printer, find it (or enter where it is) and print a test page. No printer yet? Choose "No printer for now".</source>
            <translation>连接并打开打印机，查找打印机（或填写打印机位置）并打印测试页。还没有打印机？请选择“暂不使用打印机”。</translation>
        </message>
        <message>
            <source>Connect the printer, enter where it is and print a test page. No printer yet? Choose "No printer for now".</source>
            <translation>连接打印机，填写打印机位置并打印测试页。还没有打印机？请选择“暂不使用打印机”。</translation>
        </message>
    </context>
    <context>
        <name>ProductSearchDialog</name>
        <message>
            <source>Find a product</source>
            <translation>查找商品</translation>
        </message>
        <message>
            <source>Name, SKU or barcode</source>
            <translation>名称、货号或条码</translation>
        </message>
        <message>
            <source>Close (Esc)</source>
            <translation>关闭 (Esc)</translation>
        </message>
        <message>
            <source>No product matches.</source>
            <translation>没有匹配的商品。</translation>
        </message>
    </context>
    <context>
        <name>QuickCashRow</name>
        <message>
            <source>Exact %1</source>
            <translation>正好 %1</translation>
        </message>
    </context>
    <context>
        <name>ReasonDialog</name>
        <message>
            <source>Why?</source>
            <translation>原因？</translation>
        </message>
        <message>
            <source>Customer changed their mind</source>
            <translation>顾客不要了</translation>
        </message>
        <message>
            <source>Scanned by mistake</source>
            <translation>扫错了</translation>
        </message>
        <message>
            <source>Damaged or wrong item</source>
            <translation>商品损坏或拿错</translation>
        </message>
        <message>
            <source>Price dispute</source>
            <translation>价格有异议</translation>
        </message>
        <message>
            <source>Other</source>
            <translation>其他</translation>
        </message>
        <message>
            <source>Cancel</source>
            <translation>取消</translation>
        </message>
    </context>
    <context>
        <name>RecallDialog</name>
        <message>
            <source>Tap Discard again to drop this order: it cannot be recalled afterwards.</source>
            <translation>再按一次“删除挂单”确认：删除后无法取回。</translation>
        </message>
        <message>
            <source>Orders on hold</source>
            <translation>挂单列表</translation>
        </message>
        <message>
            <source>Recall (Enter)</source>
            <translation>取单（Enter）</translation>
        </message>
        <message>
            <source>Discard</source>
            <translation>删除挂单</translation>
        </message>
        <message>
            <source>Back (Esc)</source>
            <translation>返回（Esc）</translation>
        </message>
        <message>
            <source>Lines: %1</source>
            <translation>%1 行</translation>
        </message>
        <message>
            <source>No orders are on hold.</source>
            <translation>没有挂单。</translation>
        </message>
        <message>
            <source>Order discarded.</source>
            <translation>挂单已删除。</translation>
        </message>
    </context>
    <context>
        <name>RechargeDialog</name>
        <message>
            <source>(refunded %1)</source>
            <translation>（已退 %1）</translation>
        </message>
        <message>
            <source>A recharge is at least %1.</source>
            <translation>单次充值至少 %1。</translation>
        </message>
        <message>
            <source>A recharge is at most %1.</source>
            <translation>单次充值最多 %1。</translation>
        </message>
        <message>
            <source>Allowed: %1 to %2.</source>
            <translation>可充值金额：%1 至 %2。</translation>
        </message>
        <message>
            <source>Amount to recharge</source>
            <translation>充值金额</translation>
        </message>
        <message>
            <source>Balance %1 (principal %2, bonus %3)</source>
            <translation>余额 %1（本金 %2，赠送 %3）</translation>
        </message>
        <message>
            <source>Cash handed over</source>
            <translation>实收现金</translation>
        </message>
        <message>
            <source>Change %1.</source>
            <translation>找零 %1。</translation>
        </message>
        <message>
            <source>Choose or type the amount to recharge.</source>
            <translation>请选择或输入充值金额。</translation>
        </message>
        <message>
            <source>Choose the recharge to refund.</source>
            <translation>请选择要退款的充值记录。</translation>
        </message>
        <message>
            <source>Close (Esc)</source>
            <translation>关闭 (Esc)</translation>
        </message>
        <message>
            <source>Enter an amount like 300 or 300.00.</source>
            <translation>请输入金额，如 300 或 300.00。</translation>
        </message>
        <message>
            <source>Enter the cash handed over like 500.</source>
            <translation>请输入实收现金，如 500。</translation>
        </message>
        <message>
            <source>Give back %1 by %2. Bonus removed %3. Balance %4.</source>
            <translation>退还 %1（%2），扣除赠送 %3，余额 %4。</translation>
        </message>
        <message>
            <source>Pay %1, get %2 (bonus %3)</source>
            <translation>充 %1 得 %2（赠送 %3）</translation>
        </message>
        <message>
            <source>Pay %1, no bonus</source>
            <translation>充 %1，无赠送</translation>
        </message>
        <message>
            <source>Recharge for %1</source>
            <translation>为 %1 充值</translation>
        </message>
        <message>
            <source>Recharged %1 (bonus %2). Balance %3.</source>
            <translation>已充值 %1（赠送 %2），余额 %3。</translation>
        </message>
        <message>
            <source>Recharges at this till</source>
            <translation>本机充值记录</translation>
        </message>
        <message>
            <source>Refund a recharge</source>
            <translation>充值退款</translation>
        </message>
        <message>
            <source>Refund selected recharge (manager)</source>
            <translation>退选中的充值（需店长）</translation>
        </message>
        <message>
            <source>Stored value</source>
            <translation>储值</translation>
        </message>
        <message>
            <source>The cash handed over is less than the recharge.</source>
            <translation>实收现金少于充值金额。</translation>
        </message>
        <message>
            <source>This recharge cannot be refunded: %1 of its bonus was spent and only %2 of its principal is left.</source>
            <translation>该笔充值无法退款：赠送金额已使用 %1，本金仅剩 %2。</translation>
        </message>
        <message>
            <source>This recharge was refunded already.</source>
            <translation>该笔充值已退款。</translation>
        </message>
        <message>
            <source>bonus %1</source>
            <translation>赠送 %1</translation>
        </message>
        <message>
            <source>gift coupon</source>
            <translation>赠券</translation>
        </message>
        <message>
            <source>upgrade to %1</source>
            <translation>升级为 %1</translation>
        </message>
    </context>
    <context>
        <name>ReconcileScreen</name>
        <message>
            <source>Reconciliation</source>
            <translation>对账</translation>
        </message>
        <message>
            <source>Previous day</source>
            <translation>前一天</translation>
        </message>
        <message>
            <source>Next day</source>
            <translation>后一天</translation>
        </message>
        <message>
            <source>Refresh</source>
            <translation>刷新</translation>
        </message>
        <message>
            <source>Export CSV</source>
            <translation>导出 CSV</translation>
        </message>
        <message>
            <source>Print (Ctrl+P)</source>
            <translation>打印 (Ctrl+P)</translation>
        </message>
        <message>
            <source>Back (Esc)</source>
            <translation>返回 (Esc)</translation>
        </message>
        <message>
            <source>The day's figures are for managers. A manager enters their code and PIN to show them.</source>
            <translation>当日数据仅限店长查看。请店长输入工号和密码。</translation>
        </message>
        <message>
            <source>Manager approval</source>
            <translation>店长授权</translation>
        </message>
        <message>
            <source>Shifts</source>
            <translation>班次</translation>
        </message>
        <message>
            <source>Opened</source>
            <translation>开班</translation>
        </message>
        <message>
            <source>Closed</source>
            <translation>交班</translation>
        </message>
        <message>
            <source>By</source>
            <translation>操作人</translation>
        </message>
        <message>
            <source>Expected cash</source>
            <translation>应有现金</translation>
        </message>
        <message>
            <source>Counted</source>
            <translation>实点</translation>
        </message>
        <message>
            <source>Over/short</source>
            <translation>长短款</translation>
        </message>
        <message>
            <source>Conflicts reported by the central service</source>
            <translation>总部报告的冲突</translation>
        </message>
        <message>
            <source>Time</source>
            <translation>时间</translation>
        </message>
        <message>
            <source>Kind</source>
            <translation>类型</translation>
        </message>
        <message>
            <source>What happened</source>
            <translation>情况</translation>
        </message>
        <message>
            <source>Print the day</source>
            <translation>打印当日报表</translation>
        </message>
        <message>
            <source>Back</source>
            <translation>返回</translation>
        </message>
        <message>
            <source>Show the day's figures</source>
            <translation>查看当日数据</translation>
        </message>
        <message>
            <source>Only a manager can show the day's figures.</source>
            <translation>只有店长可以查看当日数据。</translation>
        </message>
        <message>
            <source>open</source>
            <translation>营业中</translation>
        </message>
        <message>
            <source>Closing approved by %1</source>
            <translation>交班授权人：%1</translation>
        </message>
        <message>
            <source>Shifts opened</source>
            <translation>已开班次</translation>
        </message>
        <message>
            <source>Shifts closed</source>
            <translation>已交班次</translation>
        </message>
        <message>
            <source>Cash movements</source>
            <translation>现金收支</translation>
        </message>
        <message>
            <source>Members registered</source>
            <translation>新注册会员</translation>
        </message>
        <message>
            <source>Audit log</source>
            <translation>审计日志</translation>
        </message>
        <message>
            <source>Coupon already used elsewhere</source>
            <translation>优惠券已在别处使用</translation>
        </message>
        <message>
            <source>Coupon unknown to the service</source>
            <translation>总部不认识该优惠券</translation>
        </message>
        <message>
            <source>Coupon withdrawn</source>
            <translation>优惠券已撤回</translation>
        </message>
        <message>
            <source>Points overdrawn</source>
            <translation>积分透支</translation>
        </message>
        <message>
            <source>Negative points balance</source>
            <translation>积分余额为负</translation>
        </message>
        <message>
            <source>Member unknown to the service</source>
            <translation>总部不认识该会员</translation>
        </message>
        <message>
            <source>Refund of a sale the service lacks</source>
            <translation>退款对应的销售总部没有</translation>
        </message>
        <message>
            <source>Sale sent twice</source>
            <translation>销售重复上传</translation>
        </message>
        <message>
            <source>Refund sent twice</source>
            <translation>退款重复上传</translation>
        </message>
        <message>
            <source>Card number already taken</source>
            <translation>卡号已被占用</translation>
        </message>
        <message>
            <source>Sequence number reused</source>
            <translation>序号重复</translation>
        </message>
        <message>
            <source>Audit log mismatch</source>
            <translation>审计日志不一致</translation>
        </message>
        <message>
            <source>Audit log cut short or rewritten</source>
            <translation>审计日志被截短或改写</translation>
        </message>
        <message>
            <source>Member code used twice for points</source>
            <translation>会员码重复用于积分抵现</translation>
        </message>
        <message>
            <source>Member code not valid for points</source>
            <translation>会员码不可用于积分抵现</translation>
        </message>
        <message>
            <source>Members merged</source>
            <translation>会员已合并</translation>
        </message>
        <message>
            <source>Refund beyond its sale</source>
            <translation>退款超出原销售</translation>
        </message>
        <message>
            <source>Rejected by the service (not applied)</source>
            <translation>被总部拒绝（未入账）</translation>
        </message>
        <message>
            <source>Voided before payment</source>
            <translation>付款前作废</translation>
        </message>
        <message>
            <source>Sales</source>
            <translation>销售</translation>
        </message>
        <message>
            <source>Number of sales</source>
            <translation>销售笔数</translation>
        </message>
        <message>
            <source>Sales before discounts</source>
            <translation>折前销售额</translation>
        </message>
        <message>
            <source>Member discounts</source>
            <translation>会员折扣</translation>
        </message>
        <message>
            <source>Coupons</source>
            <translation>优惠券</translation>
        </message>
        <message>
            <source>Points redeemed (%1 points)</source>
            <translation>积分抵现（%1 积分）</translation>
        </message>
        <message>
            <source>Rounding</source>
            <translation>抹零</translation>
        </message>
        <message>
            <source>Paid with money</source>
            <translation>实收金额</translation>
        </message>
        <message>
            <source>Refunds (%1)</source>
            <translation>退款（%1 笔）</translation>
        </message>
        <message>
            <source>Net takings</source>
            <translation>净收入</translation>
        </message>
        <message>
            <source>By tender</source>
            <translation>按支付方式</translation>
        </message>
        <message>
            <source>%1 refunded</source>
            <translation>已退 %1</translation>
        </message>
        <message>
            <source>By member tier</source>
            <translation>按会员等级</translation>
        </message>
        <message>
            <source>Coupons given back by refunds</source>
            <translation>退款返还的优惠券</translation>
        </message>
        <message>
            <source>Points</source>
            <translation>积分</translation>
        </message>
        <message>
            <source>Points earned</source>
            <translation>获得积分</translation>
        </message>
        <message>
            <source>Points redeemed</source>
            <translation>抵现积分</translation>
        </message>
        <message>
            <source>Points taken back by refunds</source>
            <translation>退款扣回的积分</translation>
        </message>
        <message>
            <source>Points returned by refunds</source>
            <translation>退款返还的积分</translation>
        </message>
        <message>
            <source>Refunds and voids</source>
            <translation>退款与作废</translation>
        </message>
        <message>
            <source>Refunds</source>
            <translation>退款</translation>
        </message>
        <message>
            <source>Voided sales</source>
            <translation>作废的销售</translation>
        </message>
        <message>
            <source>Voided sales' amount</source>
            <translation>作废销售金额</translation>
        </message>
        <message>
            <source>Cash</source>
            <translation>现金</translation>
        </message>
        <message>
            <source>Opening floats</source>
            <translation>备用金</translation>
        </message>
        <message>
            <source>Paid in</source>
            <translation>存入</translation>
        </message>
        <message>
            <source>Paid out</source>
            <translation>支出</translation>
        </message>
        <message>
            <source>Drawer opened without a sale</source>
            <translation>无销售开钱箱</translation>
        </message>
        <message>
            <source>Over/short (closed shifts)</source>
            <translation>长短款（已交班）</translation>
        </message>
        <message>
            <source>Sync</source>
            <translation>同步</translation>
        </message>
        <message>
            <source>Events waiting to sync</source>
            <translation>待同步事件</translation>
        </message>
        <message>
            <source>Oldest waiting since</source>
            <translation>最早待同步时间</translation>
        </message>
        <message>
            <source>Open conflicts</source>
            <translation>未处理冲突</translation>
        </message>
        <message>
            <source>CSV files (*.csv)</source>
            <translation>CSV 文件 (*.csv)</translation>
        </message>
        <message>
            <source>Day</source>
            <translation>日期</translation>
        </message>
        <message>
            <source>Store</source>
            <translation>门店</translation>
        </message>
        <message>
            <source>Till</source>
            <translation>收银机</translation>
        </message>
        <message>
            <source>Opening float</source>
            <translation>备用金</translation>
        </message>
        <message>
            <source>The file could not be written: %1</source>
            <translation>文件无法写入：%1</translation>
        </message>
        <message>
            <source>Exported to %1</source>
            <translation>已导出到 %1</translation>
        </message>
        <message>
            <source>No receipt printer is set up.</source>
            <translation>未设置小票打印机。</translation>
        </message>
        <message>
            <source>The day's report was sent to the printer.</source>
            <translation>当日报表已发送到打印机。</translation>
        </message>
        <message>
            <source>The day's report could not be printed.</source>
            <translation>当日报表无法打印。</translation>
        </message>
        <message>
            <source>Stored value</source>
            <translation>储值</translation>
        </message>
        <message>
            <source>Recharges (%1)</source>
            <translation>充值（%1 笔）</translation>
        </message>
        <message>
            <source>Bonus given</source>
            <translation>赠送金额</translation>
        </message>
        <message>
            <source>Recharges refunded (%1)</source>
            <translation>充值退款（%1 笔）</translation>
        </message>
        <message>
            <source>Bonus removed by refunds</source>
            <translation>退款扣回赠送</translation>
        </message>
        <message>
            <source>Paid with stored value</source>
            <translation>储值消费</translation>
        </message>
        <message>
            <source>Returned to balances by refunds</source>
            <translation>退货退回储值</translation>
        </message>
        <message>
            <source>Stored-value liability (balances known here)</source>
            <translation>储值负债（本机所知余额）</translation>
        </message>
        <message>
            <source>of which bonus</source>
            <translation>其中赠送</translation>
        </message>
        <message>
            <source>Stored-value recharges</source>
            <translation>储值充值</translation>
        </message>
        <message>
            <source>Recharge refunds</source>
            <translation>充值退款</translation>
        </message>
        <message>
            <source>Stored value overdrawn (spent at two tills)</source>
            <translation>储值透支（两台收银机同时消费）</translation>
        </message>
        <message>
            <source>Stored-value figures the service disputes</source>
            <translation>储值金额与总部不符</translation>
        </message>
        <message>
            <source>Benefit used beyond its quota or card (two tills)</source>
            <translation>权益超额使用（两台收银机）</translation>
        </message>
        <message>
            <source>Benefit figures the service disputes</source>
            <translation>权益数据与中心不符</translation>
        </message>
        <message>
            <source>Points-mall reward beyond the store's stock</source>
            <translation>积分兑换超出门店库存</translation>
        </message>
        <message>
            <source>Coupon of another member or outside its dates</source>
            <translation>他人的券或不在有效期内</translation>
        </message>
        <message>
            <source>Gift already issued (another till)</source>
            <translation>礼品已发放（其他收银机）</translation>
        </message>
        <message>
            <source>Gift the service disputes</source>
            <translation>总部有异议的礼品</translation>
        </message>
        <message>
            <source>Group-buy voucher the service did not verify</source>
            <translation>总部未核验的团购券</translation>
        </message>
        <message>
            <source>Member changes</source>
            <translation>会员资料修改</translation>
        </message>
        <message>
            <source>Gifts issued</source>
            <translation>礼品发放</translation>
        </message>
    </context>
    <context>
        <name>RefundScreen</name>
        <message>
            <source>Refund</source>
            <translation>退款</translation>
        </message>
        <message>
            <source>Scan the receipt's QR code or its number, or search the recent sales by receipt number, phone or name.</source>
            <translation>请扫描小票二维码或单号，或按单号、手机号、姓名查找近期销售。</translation>
        </message>
        <message>
            <source>Receipt number, phone (last 4) or name</source>
            <translation>单号、手机尾号后四位或姓名</translation>
        </message>
        <message>
            <source>Search</source>
            <translation>查找</translation>
        </message>
        <message>
            <source>Time</source>
            <translation>时间</translation>
        </message>
        <message>
            <source>Receipt</source>
            <translation>单号</translation>
        </message>
        <message>
            <source>Member</source>
            <translation>会员</translation>
        </message>
        <message>
            <source>Total</source>
            <translation>合计</translation>
        </message>
        <message>
            <source>Refunded</source>
            <translation>已退</translation>
        </message>
        <message>
            <source>Item</source>
            <translation>商品</translation>
        </message>
        <message>
            <source>Sold</source>
            <translation>售出</translation>
        </message>
        <message>
            <source>Refund now</source>
            <translation>本次退</translation>
        </message>
        <message>
            <source>Paid</source>
            <translation>实付</translation>
        </message>
        <message>
            <source>Whole sale</source>
            <translation>整单</translation>
        </message>
        <message>
            <source>Clear</source>
            <translation>清除</translation>
        </message>
        <message>
            <source>Reason</source>
            <translation>原因</translation>
        </message>
        <message>
            <source>Customer changed their mind</source>
            <translation>顾客不要了</translation>
        </message>
        <message>
            <source>Faulty item</source>
            <translation>商品有问题</translation>
        </message>
        <message>
            <source>Wrong item</source>
            <translation>商品拿错</translation>
        </message>
        <message>
            <source>Charged twice</source>
            <translation>重复收款</translation>
        </message>
        <message>
            <source>Choose or type a reason</source>
            <translation>选择或输入原因</translation>
        </message>
        <message>
            <source>Refund the chosen items (F9)</source>
            <translation>退所选商品 (F9)</translation>
        </message>
        <message>
            <source>Back (Esc)</source>
            <translation>返回 (Esc)</translation>
        </message>
        <message>
            <source>Refund the chosen items</source>
            <translation>退所选商品</translation>
        </message>
        <message>
            <source>Refund the whole sale</source>
            <translation>整单退款</translation>
        </message>
        <message>
            <source>Search sales</source>
            <translation>查找销售</translation>
        </message>
        <message>
            <source>Back</source>
            <translation>返回</translation>
        </message>
        <message>
            <source>No sale on this till has the receipt code %1.</source>
            <translation>本机没有小票码为 %1 的销售。</translation>
        </message>
        <message>
            <source>(voided)</source>
            <translation>（已作废）</translation>
        </message>
        <message>
            <source>This sale is older than the till keeps and was archived: it can be looked at, not refunded here. Ask head office.</source>
            <translation>此单据已超过本机保留期限并已归档：可查看，但不能在本机退货。请联系总部。</translation>
        </message>
        <message>
            <source>This sale was voided; there is nothing to refund.</source>
            <translation>该销售已作废，无需退款。</translation>
        </message>
        <message>
            <source>This sale has been refunded in full already.</source>
            <translation>该销售已全额退款。</translation>
        </message>
        <message>
            <source>No sale chosen yet.</source>
            <translation>尚未选择销售。</translation>
        </message>
        <message>
            <source>Receipt %1</source>
            <translation>单号 %1</translation>
        </message>
        <message>
            <source>No member</source>
            <translation>非会员</translation>
        </message>
        <message>
            <source>Total %1, paid by %2</source>
            <translation>合计 %1，支付方式 %2</translation>
        </message>
        <message>
            <source>Already refunded: %1 (refunds: %2)</source>
            <translation>已退款：%1（%2 笔）</translation>
        </message>
        <message>
            <source>Member tier after the refund: %1 (was %2)</source>
            <translation>退款后会员等级：%1（原为%2）</translation>
        </message>
        <message>
            <source>Coupons used: %1</source>
            <translation>使用的优惠券：%1</translation>
        </message>
        <message>
            <source>%1: enter a quantity.</source>
            <translation>%1：请输入数量。</translation>
        </message>
        <message>
            <source>%1: at most %2 can be refunded.</source>
            <translation>%1：最多可退 %2。</translation>
        </message>
        <message>
            <source>%1 is sold by the piece.</source>
            <translation>%1 按件销售。</translation>
        </message>
        <message>
            <source>Enter how many of each item come back, or choose the whole sale.</source>
            <translation>请输入每种商品退回的数量，或选择整单退款。</translation>
        </message>
        <message>
            <source>Scan or choose a sale first.</source>
            <translation>请先扫描或选择一笔销售。</translation>
        </message>
        <message>
            <source>Give a reason for the refund.</source>
            <translation>请填写退款原因。</translation>
        </message>
        <message>
            <source>Approve the refund</source>
            <translation>授权退款</translation>
        </message>
        <message>
            <source>Nothing was refunded: the refund needs a manager.</source>
            <translation>未退款：退款需要店长授权。</translation>
        </message>
        <message>
            <source>Refunded %1: %2.</source>
            <translation>已退款 %1：%2。</translation>
        </message>
        <message>
            <source>no money</source>
            <translation>无金额</translation>
        </message>
        <message>
            <source>Points taken back: %1 · points returned: %2 · balance now: %3</source>
            <translation>扣回积分：%1 · 返还积分：%2 · 当前余额：%3</translation>
        </message>
        <message>
            <source>Coupon given back to the member: %1</source>
            <translation>已返还会员优惠券：%1</translation>
        </message>
        <message>
            <source>The coupon is not given back: it is no longer valid.</source>
            <translation>优惠券未返还：已失效。</translation>
        </message>
        <message>
            <source>Warning: the member had already spent these points; the balance is now negative (%1). It is recorded and reported to the manager.</source>
            <translation>注意：会员已用掉这些积分，余额现为负数（%1）。已记录并报告店长。</translation>
        </message>
        <message>
            <source>The refund receipt could not be printed.</source>
            <translation>退款小票无法打印。</translation>
        </message>
        <message>
            <source>Refund receipt sent to the printer.</source>
            <translation>退款小票已发送到打印机。</translation>
        </message>
    </context>
    <context>
        <name>RegistrationDialog</name>
        <message>
            <source>Calendar</source>
            <translation>日历</translation>
        </message>
        <message>
            <source>YYYY-MM-DD (optional)</source>
            <translation>年-月-日（可不填）</translation>
        </message>
        <message>
            <source>Enter the birthday as year, month and day, e.g. 1985-06-12, or leave it empty.</source>
            <translation>生日请按年月日输入，例如 1985-06-12，或留空。</translation>
        </message>
        <message>
            <source>New member</source>
            <translation>新会员</translation>
        </message>
        <message>
            <source>Join the membership</source>
            <translation>注册会员</translation>
        </message>
        <message>
            <source>Mobile number</source>
            <translation>手机号</translation>
        </message>
        <message>
            <source>Name</source>
            <translation>姓名</translation>
        </message>
        <message>
            <source>Birthday</source>
            <translation>生日</translation>
        </message>
        <message>
            <source>Agrees to receive offers (marketing consent)</source>
            <translation>同意接收优惠信息（营销授权）</translation>
        </message>
        <message>
            <source>Register</source>
            <translation>注册</translation>
        </message>
        <message>
            <source>Cancel</source>
            <translation>取消</translation>
        </message>
        <message>
            <source>Online order number</source>
            <translation>凭订单号入会</translation>
        </message>
        <message>
            <source>Given</source>
            <translation>填写</translation>
        </message>
    </context>
    <context>
        <name>SaleDoneDialog</name>
        <message>
            <source>Sale complete</source>
            <translation>交易完成</translation>
        </message>
        <message>
            <source>Sale %1 complete</source>
            <translation>单号 %1 已完成</translation>
        </message>
        <message>
            <source>Paid %1</source>
            <translation>实收 %1</translation>
        </message>
        <message>
            <source>Change %1</source>
            <translation>找零 %1</translation>
        </message>
        <message>
            <source>Printing the receipt…</source>
            <translation>正在打印小票…</translation>
        </message>
        <message>
            <source>Next customer (Enter)</source>
            <translation>下一位顾客 (Enter)</translation>
        </message>
        <message>
            <source>Receipt sent to the printer.</source>
            <translation>小票已发送到打印机。</translation>
        </message>
        <message>
            <source>The receipt could not be queued; reprint it from the sales list.</source>
            <translation>小票未能加入打印队列，请在销售记录中补打。</translation>
        </message>
    </context>
    <context>
        <name>SalesHistoryScreen</name>
        <message>
            <source>Sales this shift</source>
            <translation>本班销售</translation>
        </message>
        <message>
            <source>Time</source>
            <translation>时间</translation>
        </message>
        <message>
            <source>Receipt</source>
            <translation>小票号</translation>
        </message>
        <message>
            <source>Member</source>
            <translation>会员</translation>
        </message>
        <message>
            <source>Total</source>
            <translation>金额</translation>
        </message>
        <message>
            <source>State</source>
            <translation>状态</translation>
        </message>
        <message>
            <source>Reprint (copy) (Ctrl+P)</source>
            <translation>重印（副本）（Ctrl+P）</translation>
        </message>
        <message>
            <source>Refund (F7)</source>
            <translation>退款（F7）</translation>
        </message>
        <message>
            <source>Back (Esc)</source>
            <translation>返回（Esc）</translation>
        </message>
        <message>
            <source>Reprint the receipt</source>
            <translation>重印小票</translation>
        </message>
        <message>
            <source>Refund this sale</source>
            <translation>为此单退款</translation>
        </message>
        <message>
            <source>Back</source>
            <translation>返回</translation>
        </message>
        <message>
            <source>Paid</source>
            <translation>已付款</translation>
        </message>
        <message>
            <source>Partly refunded</source>
            <translation>部分退款</translation>
        </message>
        <message>
            <source>Refunded</source>
            <translation>已退款</translation>
        </message>
        <message>
            <source>Voided</source>
            <translation>已作废</translation>
        </message>
        <message>
            <source>No shift is open: open one to sell.</source>
            <translation>没有打开的班次：请先开班。</translation>
        </message>
        <message>
            <source>Shift opened %1 · %2 sales · %3 taken after refunds</source>
            <translation>%1 开班 · %2 笔销售 · 扣除退款后收入 %3</translation>
        </message>
        <message>
            <source>No sales in this shift yet.</source>
            <translation>本班还没有销售。</translation>
        </message>
        <message>
            <source>A copy of receipt %1 is printing.</source>
            <translation>小票 %1 的副本正在打印。</translation>
        </message>
        <message>
            <source>The copy could not be printed: %1</source>
            <translation>副本无法打印：%1</translation>
        </message>
        <message>
            <source>Nothing is left to refund on this sale.</source>
            <translation>此单已无可退金额。</translation>
        </message>
    </context>
    <context>
        <name>ScannerSettingsPanel</name>
        <message>
            <source>Scanner</source>
            <translation>扫码枪</translation>
        </message>
        <message>
            <source>USB scanner that types (keyboard wedge)</source>
            <translation>USB 扫码枪（键盘模式）</translation>
        </message>
        <message>
            <source>Serial scanner</source>
            <translation>串口扫码枪</translation>
        </message>
        <message>
            <source>Camera</source>
            <translation>摄像头</translation>
        </message>
        <message>
            <source>Look for ports and cameras</source>
            <translation>查找串口和摄像头</translation>
        </message>
        <message>
            <source>Use this scanner</source>
            <translation>使用此扫码方式</translation>
        </message>
        <message>
            <source>A USB scanner that types works in any screen; no set-up needed.</source>
            <translation>键盘模式的 USB 扫码枪在任何界面都能用，无需设置。</translation>
        </message>
        <message>
            <source>Default camera</source>
            <translation>默认摄像头</translation>
        </message>
        <message>
            <source>Port</source>
            <translation>端口</translation>
        </message>
        <message>
            <source>Baud rate</source>
            <translation>波特率</translation>
        </message>
        <message>
            <source>Scanner settings saved.</source>
            <translation>扫码设置已保存。</translation>
        </message>
        <message>
            <source>Serial scanner on %1: ready.</source>
            <translation>串口扫码枪（%1）：已就绪。</translation>
        </message>
        <message>
            <source>Camera on: hold the code in front of it. %1</source>
            <translation>摄像头已开启：请把码对准摄像头。%1</translation>
        </message>
        <message>
            <source>Not available on this computer: %1</source>
            <translation>本机无法使用：%1</translation>
        </message>
        <message>
            <source>The scanner failed: %1</source>
            <translation>扫码设备出错：%1</translation>
        </message>
        <message>
            <source>Serial scanner on %1: waiting for the port (%2).</source>
            <translation>串口扫码枪（%1）：正在等待端口（%2）。</translation>
        </message>
    </context>
    <context>
        <name>SettingsScreen</name>
        <message>
            <source>Settings</source>
            <translation>设置</translation>
        </message>
        <message>
            <source>Back (Esc)</source>
            <translation>返回 (Esc)</translation>
        </message>
        <message>
            <source>Store and till</source>
            <translation>门店与收银机</translation>
        </message>
        <message>
            <source>Language</source>
            <translation>语言</translation>
        </message>
        <message>
            <source>Scanner test</source>
            <translation>扫码枪测试</translation>
        </message>
        <message>
            <source>Scan any code: it shows here with what the till takes it for.</source>
            <translation>扫描任意码：此处显示收银机识别的结果。</translation>
        </message>
        <message>
            <source>Customer display</source>
            <translation>顾客屏</translation>
        </message>
        <message>
            <source>Receipt printer</source>
            <translation>小票打印机</translation>
        </message>
        <message>
            <source>Printer</source>
            <translation>打印机</translation>
        </message>
        <message>
            <source>Paper</source>
            <translation>纸宽</translation>
        </message>
        <message>
            <source>Encoding</source>
            <translation>编码</translation>
        </message>
        <message>
            <source>Save</source>
            <translation>保存</translation>
        </message>
        <message>
            <source>Test page</source>
            <translation>打印测试页</translation>
        </message>
        <message>
            <source>Preview a receipt</source>
            <translation>预览小票</translation>
        </message>
        <message>
            <source>Central service</source>
            <translation>总部服务</translation>
        </message>
        <message>
            <source>Address</source>
            <translation>地址</translation>
        </message>
        <message>
            <source>Enrolment code</source>
            <translation>注册码</translation>
        </message>
        <message>
            <source>Enrol this till</source>
            <translation>注册本收银机</translation>
        </message>
        <message>
            <source>Receipt preview</source>
            <translation>小票预览</translation>
        </message>
        <message>
            <source>Back</source>
            <translation>返回</translation>
        </message>
        <message>
            <source>Store</source>
            <translation>门店</translation>
        </message>
        <message>
            <source>Store id</source>
            <translation>门店编号</translation>
        </message>
        <message>
            <source>Till id</source>
            <translation>收银机编号</translation>
        </message>
        <message>
            <source>Till name</source>
            <translation>收银机名称</translation>
        </message>
        <message>
            <source>Time zone</source>
            <translation>时区</translation>
        </message>
        <message>
            <source>Version</source>
            <translation>版本</translation>
        </message>
        <message>
            <source>Data folder</source>
            <translation>数据目录</translation>
        </message>
        <message>
            <source>Not enrolled: the till works offline.</source>
            <translation>未注册：收银机离线工作。</translation>
        </message>
        <message>
            <source>Enrolment code recorded; the till enrols when the sync service runs.</source>
            <translation>注册码已记录；同步服务运行时将完成注册。</translation>
        </message>
        <message>
            <source>Enrolled.</source>
            <translation>已注册。</translation>
        </message>
        <message>
            <source>Enrolment failed: %1</source>
            <translation>注册失败：%1</translation>
        </message>
        <message>
            <source>Only a manager can change the printer and the central service.</source>
            <translation>只有店长可以修改打印机和总部服务设置。</translation>
        </message>
        <message>
            <source>Hide the customer display</source>
            <translation>关闭顾客屏</translation>
        </message>
        <message>
            <source>Show the customer display</source>
            <translation>打开顾客屏</translation>
        </message>
        <message>
            <source>This language's file is missing.</source>
            <translation>缺少该语言的翻译文件。</translation>
        </message>
        <message>
            <source>Waiting for a scan…</source>
            <translation>等待扫码…</translation>
        </message>
        <message>
            <source>Member code</source>
            <translation>会员码</translation>
        </message>
        <message>
            <source>Product barcode</source>
            <translation>商品条码</translation>
        </message>
        <message>
            <source>Receipt code (for refunds)</source>
            <translation>小票码（用于退款）</translation>
        </message>
        <message>
            <source>Payment code</source>
            <translation>付款码</translation>
        </message>
        <message>
            <source>Refused</source>
            <translation>已拒绝</translation>
        </message>
        <message>
            <source>Code: %1 (%2 characters, from the %3 scanner)</source>
            <translation>码：%1（%2 个字符，来自%3扫码枪）</translation>
        </message>
        <message>
            <source>keyboard-wedge</source>
            <translation>键盘口</translation>
        </message>
        <message>
            <source>serial</source>
            <translation>串口</translation>
        </message>
        <message>
            <source>camera</source>
            <translation>摄像头</translation>
        </message>
        <message>
            <source>Printer settings saved.</source>
            <translation>打印机设置已保存。</translation>
        </message>
        <message>
            <source>No receipt printer is set up.</source>
            <translation>未设置小票打印机。</translation>
        </message>
        <message>
            <source>The test page could not be queued.</source>
            <translation>测试页无法加入打印队列。</translation>
        </message>
        <message>
            <source>Test page sent to %1.</source>
            <translation>测试页已发送到 %1。</translation>
        </message>
        <message>
            <source>The preview could not be drawn: %1</source>
            <translation>无法生成预览：%1</translation>
        </message>
        <message>
            <source>No preview.</source>
            <translation>无预览。</translation>
        </message>
        <message>
            <source>Enrolled with the central service.</source>
            <translation>已在总部服务注册。</translation>
        </message>
        <message>
            <source>The enrolment code is recorded; the till enrols when the sync service runs.</source>
            <translation>注册码已记录；同步服务运行时将完成注册。</translation>
        </message>
        <message>
            <source>Printer %1 chosen: save it, then print a test page.</source>
            <translation>已选择打印机 %1：请保存，然后打印测试页。</translation>
        </message>
    </context>
    <context>
        <name>ShiftScreen</name>
        <message>
            <source>Shift</source>
            <translation>班次</translation>
        </message>
        <message>
            <source>Open a shift</source>
            <translation>开班</translation>
        </message>
        <message>
            <source>Paid in (F2)</source>
            <translation>存入现金 (F2)</translation>
        </message>
        <message>
            <source>Paid out (F3)</source>
            <translation>支出现金 (F3)</translation>
        </message>
        <message>
            <source>Open drawer, no sale (F4)</source>
            <translation>无销售开钱箱 (F4)</translation>
        </message>
        <message>
            <source>X report (F5)</source>
            <translation>X 报表 (F5)</translation>
        </message>
        <message>
            <source>Print the report (Ctrl+P)</source>
            <translation>打印报表 (Ctrl+P)</translation>
        </message>
        <message>
            <source>Close the shift (F9)</source>
            <translation>交班 (F9)</translation>
        </message>
        <message>
            <source>Back (Esc)</source>
            <translation>返回 (Esc)</translation>
        </message>
        <message>
            <source>Paid in</source>
            <translation>存入现金</translation>
        </message>
        <message>
            <source>Paid out</source>
            <translation>支出现金</translation>
        </message>
        <message>
            <source>Open the drawer without a sale</source>
            <translation>无销售开钱箱</translation>
        </message>
        <message>
            <source>X report</source>
            <translation>X 报表</translation>
        </message>
        <message>
            <source>Print the report</source>
            <translation>打印报表</translation>
        </message>
        <message>
            <source>Close the shift</source>
            <translation>交班</translation>
        </message>
        <message>
            <source>Back</source>
            <translation>返回</translation>
        </message>
        <message>
            <source>No shift is open on this till. Count the float and open a shift to start selling.</source>
            <translation>本机尚未开班。请清点备用金并开班后开始收银。</translation>
        </message>
        <message>
            <source>Shift open since %1 (%2), float %3</source>
            <translation>班次自 %1 开始（%2），备用金 %3</translation>
        </message>
        <message>
            <source>X report · %1</source>
            <translation>X 报表 · %1</translation>
        </message>
        <message>
            <source>No shift is open. The last shift closed at %1.</source>
            <translation>当前未开班。上一班次于 %1 交班。</translation>
        </message>
        <message>
            <source>Z report No. %1</source>
            <translation>Z 报表 第 %1 号</translation>
        </message>
        <message>
            <source>Count the float in the drawer and enter it.</source>
            <translation>请清点钱箱中的备用金并输入。</translation>
        </message>
        <message>
            <source>The shift is open with a float of %1.</source>
            <translation>已开班，备用金 %1。</translation>
        </message>
        <message>
            <source>Open a shift first.</source>
            <translation>请先开班。</translation>
        </message>
        <message>
            <source>Paid in %1 recorded.</source>
            <translation>已记录存入 %1。</translation>
        </message>
        <message>
            <source>Paid out %1 recorded.</source>
            <translation>已记录支出 %1。</translation>
        </message>
        <message>
            <source>The drawer was opened (no sale); it is recorded.</source>
            <translation>钱箱已打开（无销售），已记录。</translation>
        </message>
        <message>
            <source>The drawer stays closed.</source>
            <translation>钱箱保持关闭。</translation>
        </message>
        <message>
            <source>No receipt printer is set up.</source>
            <translation>未设置小票打印机。</translation>
        </message>
        <message>
            <source>The report could not be printed.</source>
            <translation>报表无法打印。</translation>
        </message>
        <message>
            <source>X report sent to the printer.</source>
            <translation>X 报表已发送到打印机。</translation>
        </message>
        <message>
            <source>Z report sent to the printer.</source>
            <translation>Z 报表已发送到打印机。</translation>
        </message>
        <message>
            <source>No shift is open.</source>
            <translation>当前未开班。</translation>
        </message>
        <message>
            <source>The shift is still open: a manager must approve the closing.</source>
            <translation>班次仍未关闭：交班需要店长授权。</translation>
        </message>
        <message>
            <source>Cash short by %1.</source>
            <translation>现金短款 %1。</translation>
        </message>
        <message>
            <source>Cash over by %1.</source>
            <translation>现金长款 %1。</translation>
        </message>
        <message>
            <source>The cash balances exactly.</source>
            <translation>现金账实相符。</translation>
        </message>
        <message>
            <source>Counted %1, expected %2.</source>
            <translation>实点 %1，应有 %2。</translation>
        </message>
        <message>
            <source>The shift is closed. No receipt printer is set up for the Z report.</source>
            <translation>已交班。未设置小票打印机，无法打印 Z 报表。</translation>
        </message>
    </context>
    <context>
        <name>StatusBar</name>
        <message>
            <source>● Online</source>
            <translation>● 在线</translation>
        </message>
        <message>
            <source>● Offline</source>
            <translation>● 离线</translation>
        </message>
        <message>
            <source>Last sync: never</source>
            <translation>上次同步：从未</translation>
        </message>
        <message>
            <source>Last sync: %1</source>
            <translation>上次同步：%1</translation>
        </message>
        <message>
            <source>Waiting to sync: %1</source>
            <translation>待同步：%1</translation>
        </message>
        <message>
            <source>Conflicts: %1</source>
            <translation>冲突：%1</translation>
        </message>
        <message>
            <source>Printer: ready</source>
            <translation>打印机：就绪</translation>
        </message>
        <message>
            <source>Printer: offline</source>
            <translation>打印机：离线</translation>
        </message>
        <message>
            <source>Printer: out of paper</source>
            <translation>打印机：缺纸</translation>
        </message>
        <message>
            <source>Printer: cover open</source>
            <translation>打印机：盖未合上</translation>
        </message>
        <message>
            <source>Printer: error</source>
            <translation>打印机：故障</translation>
        </message>
        <message>
            <source>Printer: not answering</source>
            <translation>打印机：无响应</translation>
        </message>
        <message>
            <source>Printer: none</source>
            <translation>打印机：未设置</translation>
        </message>
        <message>
            <source>%1 receipts waiting</source>
            <translation>%1 张小票待打印</translation>
        </message>
        <message>
            <source>⚠ Backup failed: see the log</source>
            <translation>⚠ 备份失败：请查看日志</translation>
        </message>
        <message>
            <source>Sign out</source>
            <translation>退出登录</translation>
        </message>
        <message>
            <source>No shift open</source>
            <translation>未开班</translation>
        </message>
        <message>
            <source>Shift open since %1</source>
            <translation>%1 开班</translation>
        </message>
    </context>
    <context>
        <name>StoreDetailsPanel</name>
        <message>
            <source>Till name</source>
            <translation>收银台名称</translation>
        </message>
        <message>
            <source>Till 1</source>
            <translation>1 号收银台</translation>
        </message>
        <message>
            <source>Save</source>
            <translation>保存</translation>
        </message>
        <message>
            <source>On the receipt</source>
            <translation>小票信息</translation>
        </message>
        <message>
            <source>Store address</source>
            <translation>门店地址</translation>
        </message>
        <message>
            <source>Store phone</source>
            <translation>门店电话</translation>
        </message>
        <message>
            <source>Last line</source>
            <translation>小票尾语</translation>
        </message>
        <message>
            <source>Thank you! (the default when empty)</source>
            <translation>谢谢惠顾！（留空时默认）</translation>
        </message>
        <message>
            <source>Saved: the next receipt prints these details.</source>
            <translation>已保存：下一张小票起按此打印。</translation>
        </message>
    </context>
    <context>
        <name>StorePage</name>
        <message>
            <source>Store and till</source>
            <translation>门店和收银机</translation>
        </message>
        <message>
            <source>The names the screens, the reports and the central service show.</source>
            <translation>收银屏幕、报表和总部服务中显示的名称。</translation>
        </message>
        <message>
            <source>Store name</source>
            <translation>门店名称</translation>
        </message>
        <message>
            <source>e.g. Corner Café, Jing'an</source>
            <translation>例如：街角咖啡 静安店</translation>
        </message>
        <message>
            <source>Shown at the top of the till's screens and reports.</source>
            <translation>显示在收银屏幕和报表的顶部。</translation>
        </message>
        <message>
            <source>Till name</source>
            <translation>收银机名称</translation>
        </message>
        <message>
            <source>Tells this till apart from the store's other tills.</source>
            <translation>用于区分本店的其他收银机。</translation>
        </message>
        <message>
            <source>Till 1</source>
            <translation>1号收银台</translation>
        </message>
    </context>
    <context>
        <name>Terms</name>
        <message>
            <source>Cash</source>
            <translation>现金</translation>
        </message>
        <message>
            <source>WeChat Pay</source>
            <translation>微信支付</translation>
        </message>
        <message>
            <source>Alipay</source>
            <translation>支付宝</translation>
        </message>
        <message>
            <source>UnionPay card</source>
            <translation>银联卡</translation>
        </message>
        <message>
            <source>Voucher</source>
            <translation>团购券</translation>
        </message>
        <message>
            <source>Points</source>
            <translation>积分</translation>
        </message>
        <message>
            <source>spend ¥%1 more to use it</source>
            <translation>再消费 ¥%1 可用</translation>
        </message>
        <message>
            <source>expired</source>
            <translation>已过期</translation>
        </message>
        <message>
            <source>not valid yet</source>
            <translation>尚未生效</translation>
        </message>
        <message>
            <source>not valid today</source>
            <translation>今日不可用</translation>
        </message>
        <message>
            <source>not for this member's tier</source>
            <translation>该会员等级不可用</translation>
        </message>
        <message>
            <source>the basket is below its threshold</source>
            <translation>未达到使用门槛</translation>
        </message>
        <message>
            <source>no item in the basket qualifies</source>
            <translation>购物篮中没有适用商品</translation>
        </message>
        <message>
            <source>already used</source>
            <translation>已使用</translation>
        </message>
        <message>
            <source>cannot be combined with the coupon applied</source>
            <translation>不能与已用优惠券同享</translation>
        </message>
        <message>
            <source>too many coupons on one order</source>
            <translation>超过每单可用张数</translation>
        </message>
        <message>
            <source>another coupon saves more</source>
            <translation>其他优惠券更划算</translation>
        </message>
        <message>
            <source>This sale upgrades the member to %1!</source>
            <translation>本单消费后升级为%1！</translation>
        </message>
        <message>
            <source>Spend ¥%1 more to reach %2</source>
            <translation>再消费 ¥%1 升级%2</translation>
        </message>
        <message>
            <source>Add ¥%1 to unlock coupon %2</source>
            <translation>再买 ¥%1 即可使用优惠券 %2</translation>
        </message>
        <message>
            <source>%1 points expire on %2</source>
            <translation>%1 积分将于 %2 过期</translation>
        </message>
        <message>
            <source>Birthday month: points x%1</source>
            <translation>生日月：积分 %1 倍</translation>
        </message>
        <message>
            <source>Member day: points x%1</source>
            <translation>会员日：积分 %1 倍</translation>
        </message>
        <message>
            <source>First order of a new member</source>
            <translation>新会员首单</translation>
        </message>
        <message>
            <source>Dormant member: no purchase for %1 days</source>
            <translation>沉睡会员：已 %1 天未消费</translation>
        </message>
        <message>
            <source>the member's available points</source>
            <translation>会员可用积分</translation>
        </message>
        <message>
            <source>at most half of the amount payable</source>
            <translation>最多抵扣应付金额的一半</translation>
        </message>
        <message>
            <source>the offline limit of points per member per day</source>
            <translation>离线时每位会员每日积分抵现上限</translation>
        </message>
        <message>
            <source>no member on this sale</source>
            <translation>本单没有会员</translation>
        </message>
        <message>
            <source>This QR code is a link or a payment app's code, not a member code. Ask the member to open the member code in the app.</source>
            <translation>这是链接或支付 App 的二维码，不是会员码。请会员在 App 中打开会员码。</translation>
        </message>
        <message>
            <source>This is a payment code (WeChat Pay, Alipay or UnionPay). Scan it at the payment step.</source>
            <translation>这是付款码（微信、支付宝或银联），请在收款时扫描。</translation>
        </message>
        <message>
            <source>This member code is damaged. Scan again or ask for the phone number.</source>
            <translation>会员码已损坏。请重新扫描或询问手机号。</translation>
        </message>
        <message>
            <source>This member code is of a version this till does not know.</source>
            <translation>本机不支持该版本的会员码。</translation>
        </message>
        <message>
            <source>This card code's check digit is wrong. Scan again.</source>
            <translation>会员卡码校验位错误，请重新扫描。</translation>
        </message>
        <message>
            <source>This code is not a member code, a product or a receipt.</source>
            <translation>该码不是会员码、商品条码或小票码。</translation>
        </message>
        <message>
            <source>Stored value</source>
            <translation>储值</translation>
        </message>
        <message>
            <source>Meituan voucher</source>
            <translation>美团券</translation>
        </message>
        <message>
            <source>Douyin voucher</source>
            <translation>抖音券</translation>
        </message>
        <message>
            <source>welcome back: win-back offer %1 applied</source>
            <translation>欢迎回来：已使用召回券 %1</translation>
        </message>
        <message>
            <source>%1: unlimited this period</source>
            <translation>%1：本期不限次</translation>
        </message>
        <message>
            <source>%1: %2 left this period</source>
            <translation>%1：本期剩余 %2 次</translation>
        </message>
        <message>
            <source>Count card %1: %2 left</source>
            <translation>次卡 %1：剩余 %2 次</translation>
        </message>
        <message>
            <source>expires %1</source>
            <translation>%1 到期</translation>
        </message>
        <message>
            <source>Gift to collect: %1</source>
            <translation>可领取礼遇：%1</translation>
        </message>
        <message>
            <source>Upgraded to %1: upgrade gift %2</source>
            <translation>升级%1：获得升级礼 %2</translation>
        </message>
        <message>
            <source>Spend ¥%1 more to reach %2 and get the upgrade gift</source>
            <translation>再消费 ¥%1 升级%2并获得升级礼</translation>
        </message>
        <message>
            <source>%1: extra %2</source>
            <translation>%1：额外%2</translation>
        </message>
        <message>
            <source>points x%1</source>
            <translation>积分×%1</translation>
        </message>
    </context>
    <context>
        <name>TotalsBox</name>
        <message>
            <source>Subtotal</source>
            <translation>小计</translation>
        </message>
        <message>
            <source>%1 member discount</source>
            <translation>%1会员折扣</translation>
        </message>
        <message>
            <source>Coupon %1</source>
            <translation>优惠券 %1</translation>
        </message>
        <message>
            <source>%1 points</source>
            <translation>%1 积分</translation>
        </message>
        <message>
            <source>Rounding</source>
            <translation>抹零</translation>
        </message>
        <message>
            <source>Total</source>
            <translation>应付</translation>
        </message>
    </context>
    <context>
        <name>VoucherPanel</name>
        <message>
            <source>%1 verified: %2.</source>
            <translation>%1已核销：%2。</translation>
        </message>
        <message>
            <source>%1: %2. Covers %3 (the customer paid %4).</source>
            <translation>%1：%2。抵扣 %3（顾客实付 %4）。</translation>
        </message>
        <message>
            <source>%1: not undone (%2); recorded.</source>
            <translation>%1：未撤销（%2），已记录。</translation>
        </message>
        <message>
            <source>%1: not undone, the central service cannot be reached; recorded.</source>
            <translation>%1：未撤销，无法连接总部，已记录。</translation>
        </message>
        <message>
            <source>%1: the platform's window for undoing it has passed; it stays used (recorded).</source>
            <translation>%1：已超过平台撤销时限，券保持已核销（已记录）。</translation>
        </message>
        <message>
            <source>%1: verification undone; the customer can use the voucher again.</source>
            <translation>%1：已撤销核销，顾客可再次使用此券。</translation>
        </message>
        <message>
            <source>Asking %1 about the voucher…</source>
            <translation>正在向%1查询此券…</translation>
        </message>
        <message>
            <source>Douyin voucher</source>
            <translation>抖音券</translation>
        </message>
        <message>
            <source>Everything is paid already.</source>
            <translation>已全部付清。</translation>
        </message>
        <message>
            <source>Meituan voucher</source>
            <translation>美团券</translation>
        </message>
        <message>
            <source>Only %1 is due: the rest of the voucher is not given as change.</source>
            <translation>应付仅剩 %1：券的余额不找零。</translation>
        </message>
        <message>
            <source>Partial refund: the group-buy voucher stays used; it is undone only when the whole sale is refunded.</source>
            <translation>部分退款：团购券保持已核销；只有整单退款才撤销核销。</translation>
        </message>
        <message>
            <source>Scan or type the voucher's code first, then press %1.</source>
            <translation>请先扫描或输入券码，再按%1。</translation>
        </message>
        <message>
            <source>The platform does not know this voucher code: check the platform (Meituan or Douyin) and the code.</source>
            <translation>平台查无此券码：请核对平台（美团或抖音）和券码。</translation>
        </message>
        <message>
            <source>The voucher cannot be verified now (offline, or the platform did not answer); nothing was used. Try again, or take another tender.</source>
            <translation>现在无法核销此券（离线或平台无响应），未使用任何券。请重试或改用其他支付方式。</translation>
        </message>
        <message>
            <source>This voucher has been used already.</source>
            <translation>此券已被使用。</translation>
        </message>
        <message>
            <source>This voucher has expired.</source>
            <translation>此券已过期。</translation>
        </message>
        <message>
            <source>This voucher's verification was cancelled; scan it again.</source>
            <translation>此券的核销已撤销，请重新扫描。</translation>
        </message>
        <message>
            <source>Use voucher: %1</source>
            <translation>使用此券：%1</translation>
        </message>
        <message>
            <source>Verifying the voucher with %1…</source>
            <translation>正在向%1核销此券…</translation>
        </message>
        <message>
            <source>%1 %2 was verified for this sale already: taken again.</source>
            <translation>%1 %2 已在本单核销过：已重新计入。</translation>
        </message>
    </context>
    <context>
        <name>WeightDialog</name>
        <message>
            <source>Cancel</source>
            <translation>取消</translation>
        </message>
        <message>
            <source>Weigh to the gram: at most three decimals, e.g. 0.350 kg.</source>
            <translation>精确到克：最多三位小数，例如 0.350 kg。</translation>
        </message>
        <message>
            <source>Enter a weight in kg greater than zero, e.g. 0.350.</source>
            <translation>请输入大于零的重量（kg），例如 0.350。</translation>
        </message>
    </context>
</TS>
