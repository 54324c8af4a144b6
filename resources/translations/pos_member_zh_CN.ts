<?xml version="1.0" encoding="utf-8"?>
<!DOCTYPE TS>
<TS version="2.1" language="zh_CN">
<context>
    <name>Actions</name>
    <message>
        <source>remove a line</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>void the whole basket</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>a refund</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>a price override</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>a discount override</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>opening the drawer without a sale</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>a cash difference</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>closing the shift</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>spending points without the member&apos;s app code</source>
        <translation type="unfinished"></translation>
    </message>
</context>
<context>
    <name>AmountDialog</name>
    <message>
        <source>Cancel</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Enter an amount like 12.50.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Enter an amount greater than zero.</source>
        <translation type="unfinished"></translation>
    </message>
</context>
<context>
    <name>ApprovalDialog</name>
    <message>
        <source>Manager approval</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Manager approval needed</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>A manager enters their staff code and PIN to approve: %1</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>A manager enters their staff code and PIN to approve.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Manager code</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Cancel</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Enter the manager&apos;s staff code.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Enter the manager&apos;s PIN.</source>
        <translation type="unfinished"></translation>
    </message>
</context>
<context>
    <name>CrashHook</name>
    <message>
        <source>Something went wrong</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Something unexpected happened. Nothing that was saved is lost, and the basket on screen is kept. If it happens again, call your manager; the details are in the log file.</source>
        <translation type="unfinished"></translation>
    </message>
</context>
<context>
    <name>Errors</name>
    <message>
        <source>Wrong PIN.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>This staff member is locked out after repeated wrong PINs.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Not found.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Unknown staff code.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>The approver is not a manager.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>This member is not on this till yet; ask for their phone number.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>This member code has expired; ask the member to refresh it.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>This member code is not valid yet; check the till&apos;s clock.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>This member code is forged or damaged.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>This member code was already used to spend points; ask for a fresh one.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>This member code has been revoked.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>This member code was signed with a key this till does not have yet.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>A member with this phone number already exists.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Enter an 11-digit mobile number.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Open a shift before selling.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>The basket is empty.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>The payments do not cover the total yet.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>The payments exceed the total; give change on cash only.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Fewer points can be redeemed than asked.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>This product is not in the catalogue.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>This coupon choice is not possible.</source>
        <translation type="unfinished"></translation>
    </message>
</context>
<context>
    <name>LockScreen</name>
    <message>
        <source>Till locked</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>%1, enter your PIN to continue</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Unlock</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Sign out (another cashier)</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Locked</source>
        <translation type="unfinished"></translation>
    </message>
</context>
<context>
    <name>LoginScreen</name>
    <message>
        <source>POS Member</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Sign in with your staff code and PIN</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Staff code</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Sign in</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Enter your staff code.</source>
        <translation type="unfinished"></translation>
    </message>
</context>
<context>
    <name>MainWindow</name>
    <message>
        <source>Open a shift</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>No shift is open on this till. Count the float in the drawer and enter it to start selling.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Sign in first, then scan.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>This code cannot be used here.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Something went wrong</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>The till could not finish this step. Nothing saved is lost; try again, and call your manager if it happens again.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>F1  this help</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>F12  lock the till</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Ctrl+Shift+L  switch language</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Keyboard shortcuts</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>POS Member</source>
        <translation type="unfinished"></translation>
    </message>
</context>
<context>
    <name>MenuScreen</name>
    <message>
        <source>Functions</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Back to checkout (Esc)</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Back to checkout</source>
        <translation type="unfinished"></translation>
    </message>
</context>
<context>
    <name>PinPad</name>
    <message>
        <source>OK</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>PIN</source>
        <translation type="unfinished"></translation>
    </message>
</context>
<context>
    <name>StatusBar</name>
    <message>
        <source>● Online</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>● Offline</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Last sync: never</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Last sync: %1</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Waiting to sync: %1</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Conflicts: %1</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Printer: ready</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Printer: offline</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Printer: out of paper</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Printer: cover open</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Printer: error</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Printer: not answering</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Printer: none</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>%1 receipts waiting</source>
        <translation type="unfinished"></translation>
    </message>
</context>
<context>
    <name>Terms</name>
    <message>
        <source>Regular</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Silver</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Gold</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Cash</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>WeChat Pay</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Alipay</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>UnionPay card</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Voucher</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Points</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>spend ¥%1 more to use it</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>expired</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>not valid yet</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>not valid today</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>not for this member&apos;s tier</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>the basket is below its threshold</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>no item in the basket qualifies</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>already used</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>cannot be combined with the coupon applied</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>too many coupons on one order</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>another coupon saves more</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>This sale upgrades the member to %1!</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Spend ¥%1 more to reach %2</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Add ¥%1 to unlock coupon %2</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>%1 points expire on %2</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Birthday month: points x%1</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Member day: points x%1</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>First order of a new member</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Dormant member: no purchase for %1 days</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>the member&apos;s available points</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>at most half of the amount payable</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>the offline limit of points per member per day</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>no member on this sale</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>This QR code is a link or a payment app&apos;s code, not a member code. Ask the member to open the member code in the app.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>This is a payment code (WeChat Pay, Alipay or UnionPay). Scan it at the payment step.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>This member code is damaged. Scan again or ask for the phone number.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>This member code is of a version this till does not know.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>This card code&apos;s check digit is wrong. Scan again.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>This code is not a member code, a product or a receipt.</source>
        <translation type="unfinished"></translation>
    </message>
</context>
<context>
    <name>window</name>
    <message>
        <source>Demo data was created: cashier S002 PIN 1357, manager S001 PIN 2468.</source>
        <translation type="unfinished"></translation>
    </message>
</context>
</TS>
