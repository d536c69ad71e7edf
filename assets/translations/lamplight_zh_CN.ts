<?xml version="1.0" encoding="utf-8"?>
<!DOCTYPE TS>
<TS version="2.1" language="zh_CN">
<context>
    <name>CatalogPage</name>
    <message>
        <source>Courses</source>
        <translation>课程</translation>
    </message>
    <message>
        <source>Search courses: type a word from the title</source>
        <translation>搜索课程：输入课程名称中的词</translation>
    </message>
    <message numerus="yes">
        <source>%n course(s)</source>
        <translation>
            <numerusform>共 %n 门课程</numerusform>
        </translation>
    </message>
    <message>
        <source>No course matches “%1”. Try a shorter word.</source>
        <translation>没有找到与“%1”相关的课程。请试试更短的词。</translation>
    </message>
    <message>
        <source>No courses yet. They appear when this computer reaches the county server.</source>
        <translation>还没有课程。电脑连上县里的服务器后，课程会出现在这里。</translation>
    </message>
</context>
<context>
    <name>CourseDelegate</name>
    <message>
        <source>Ready to use</source>
        <translation>可以学习</translation>
    </message>
    <message>
        <source>Downloading</source>
        <translation>正在下载</translation>
    </message>
    <message numerus="yes">
        <source>%n item(s)</source>
        <translation>
            <numerusform>%n 项内容</numerusform>
        </translation>
    </message>
</context>
<context>
    <name>CoursePage</name>
    <message>
        <source>All courses</source>
        <translation>全部课程</translation>
    </message>
    <message>
        <source>This course is no longer in the catalog.</source>
        <translation>这门课程已经不在课程列表中了。</translation>
    </message>
    <message>
        <source>Downloaded: you can use this course without the network.</source>
        <translation>已下载：没有网络也可以学习这门课程。</translation>
    </message>
    <message>
        <source>Download this course (%1)</source>
        <translation>下载这门课程（%1）</translation>
    </message>
    <message>
        <source>No county server is set up on this computer, so nothing can be downloaded.</source>
        <translation>这台电脑还没有设置县里的服务器，所以无法下载。</translation>
    </message>
    <message>
        <source>Starting the download...</source>
        <translation>正在开始下载……</translation>
    </message>
    <message>
        <source>%1 of %2 - %3/s - about %4 left</source>
        <translation>已下载 %1 / %2，速度 %3/秒，大约还需 %4</translation>
    </message>
</context>
<context>
    <name>Crash</name>
    <message>
        <source>Lamplight has a problem</source>
        <translation>灯火研修出现问题</translation>
    </message>
    <message>
        <source>Something went wrong inside Lamplight. Your work is saved. Please show this to your training coordinator; the button below copies the details.</source>
        <translation>灯火研修内部出了问题。您的学习记录已保存。请把这个提示给培训负责人看；下面的按钮可以复制详细信息。</translation>
    </message>
    <message>
        <source>Copy details</source>
        <translation>复制详细信息</translation>
    </message>
</context>
<context>
    <name>DocumentPage</name>
    <message>
        <source>Previous page</source>
        <translation>上一页</translation>
    </message>
    <message>
        <source>Next page</source>
        <translation>下一页</translation>
    </message>
    <message>
        <source>This document is no longer on this computer. Please download the course again.</source>
        <translation>这份文档已经不在这台电脑上了。请重新下载这门课程。</translation>
    </message>
    <message>
        <source>This document cannot be opened. Please download the course again.</source>
        <translation>这份文档打不开。请重新下载这门课程。</translation>
    </message>
    <message>
        <source>Page %1 of %2</source>
        <translation>第 %1 页 / 共 %2 页</translation>
    </message>
</context>
<context>
    <name>ItemRowWidget</name>
    <message>
        <source>Open</source>
        <translation>打开</translation>
    </message>
    <message>
        <source>Downloading: %1 of %2</source>
        <translation>正在下载：%1 / %2</translation>
    </message>
    <message>
        <source>Not downloaded yet (%1)</source>
        <translation>尚未下载（%1）</translation>
    </message>
    <message>
        <source>Done</source>
        <translation>已完成</translation>
    </message>
    <message>
        <source>Watched %1%</source>
        <translation>已观看 %1%</translation>
    </message>
    <message>
        <source>Read %1%</source>
        <translation>已读 %1%</translation>
    </message>
    <message>
        <source>Ready - not started</source>
        <translation>可以学习 - 尚未开始</translation>
    </message>
</context>
<context>
    <name>MainWindow</name>
    <message>
        <source>Lamplight - teacher training</source>
        <translation>灯火研修 - 教师培训</translation>
    </message>
    <message>
        <source>Lamplight</source>
        <translation>灯火研修</translation>
    </message>
    <message>
        <source>Switch teacher</source>
        <translation>换一位老师</translation>
    </message>
    <message>
        <source>Learning now: %1</source>
        <translation>正在学习：%1</translation>
    </message>
    <message>
        <source>This kind of item cannot be opened by this version of Lamplight.</source>
        <translation>这个版本的灯火研修还不能打开这类内容。</translation>
    </message>
</context>
<context>
    <name>NewProfileDialog</name>
    <message>
        <source>New teacher</source>
        <translation>新老师</translation>
    </message>
    <message>
        <source>Tell us who you are</source>
        <translation>请告诉我们您是谁</translation>
    </message>
    <message>
        <source>Your name</source>
        <translation>姓名</translation>
    </message>
    <message>
        <source>Your school</source>
        <translation>学校</translation>
    </message>
    <message>
        <source>Woman</source>
        <translation>女</translation>
    </message>
    <message>
        <source>Man</source>
        <translation>男</translation>
    </message>
    <message>
        <source>Rather not say</source>
        <translation>不愿透露</translation>
    </message>
    <message>
        <source>You are</source>
        <translation>性别</translation>
    </message>
    <message>
        <source>Under 30</source>
        <translation>30 岁以下</translation>
    </message>
    <message>
        <source>30-39</source>
        <translation>30-39 岁</translation>
    </message>
    <message>
        <source>40-49</source>
        <translation>40-49 岁</translation>
    </message>
    <message>
        <source>50 or over</source>
        <translation>50 岁及以上</translation>
    </message>
    <message>
        <source>Your age</source>
        <translation>年龄</translation>
    </message>
    <message>
        <source>Chinese</source>
        <translation>语文</translation>
    </message>
    <message>
        <source>Mathematics</source>
        <translation>数学</translation>
    </message>
    <message>
        <source>English</source>
        <translation>英语</translation>
    </message>
    <message>
        <source>Science</source>
        <translation>科学</translation>
    </message>
    <message>
        <source>Morality and Law</source>
        <translation>道德与法治</translation>
    </message>
    <message>
        <source>Music</source>
        <translation>音乐</translation>
    </message>
    <message>
        <source>Physical Education</source>
        <translation>体育</translation>
    </message>
    <message>
        <source>Art</source>
        <translation>美术</translation>
    </message>
    <message>
        <source>Information Technology</source>
        <translation>信息技术</translation>
    </message>
    <message>
        <source>Other</source>
        <translation>其他</translation>
    </message>
    <message>
        <source>You teach</source>
        <translation>任教学科</translation>
    </message>
    <message>
        <source>Choose a PIN</source>
        <translation>设置密码</translation>
    </message>
    <message>
        <source>PIN again</source>
        <translation>再输一次密码</translation>
    </message>
    <message>
        <source>Your PIN keeps your work yours. Use at least %1 digits and remember it.</source>
        <translation>密码保护您自己的学习记录。请至少设置 %1 位数字，并记住它。</translation>
    </message>
    <message>
        <source>Cancel</source>
        <translation>取消</translation>
    </message>
    <message>
        <source>Create my profile</source>
        <translation>创建我的账户</translation>
    </message>
    <message>
        <source>Please write your name.</source>
        <translation>请填写您的名字。</translation>
    </message>
    <message>
        <source>Please choose one answer for “You are”.</source>
        <translation>请选择您的性别。</translation>
    </message>
    <message>
        <source>Please choose your age.</source>
        <translation>请选择您的年龄。</translation>
    </message>
    <message>
        <source>The PIN needs at least %1 characters.</source>
        <translation>密码至少需要 %1 位。</translation>
    </message>
    <message>
        <source>The two PINs are not the same. Please type them again.</source>
        <translation>两次输入的密码不一样，请重新输入。</translation>
    </message>
</context>
<context>
    <name>PinDialog</name>
    <message>
        <source>Enter your PIN</source>
        <translation>输入密码</translation>
    </message>
    <message>
        <source>Hello, %1! Please enter your PIN.</source>
        <translation>%1，您好！请输入您的密码。</translation>
    </message>
    <message>
        <source>Delete</source>
        <translation>删除</translation>
    </message>
    <message>
        <source>Open</source>
        <translation>打开</translation>
    </message>
    <message>
        <source>Cancel</source>
        <translation>取消</translation>
    </message>
</context>
<context>
    <name>ProfilePage</name>
    <message>
        <source>Who is learning today?</source>
        <translation>今天是哪位老师来学习？</translation>
    </message>
    <message>
        <source>Click your name. If you are new, click &quot;I am new here&quot;.</source>
        <translation>请点击您的名字。第一次使用请点击“我是新老师”。</translation>
    </message>
    <message>
        <source>I am new here</source>
        <translation>我是新老师</translation>
    </message>
</context>
<context>
    <name>StatusLine</name>
    <message>
        <source>No county server set up: working offline</source>
        <translation>未设置县服务器：离线使用</translation>
    </message>
    <message>
        <source>Online - last contact with the county server: %1</source>
        <translation>在线 - 上次连接县服务器：%1</translation>
    </message>
    <message>
        <source>Offline - last contact with the county server: %1</source>
        <translation>离线 - 上次连接县服务器：%1</translation>
    </message>
    <message>
        <source>never</source>
        <translation>从未连接</translation>
    </message>
</context>
<context>
    <name>Texts</name>
    <message numerus="yes">
        <source>That PIN is not right. You can try %n more time(s).</source>
        <translation>
            <numerusform>密码不对。您还可以再试 %n 次。</numerusform>
        </translation>
    </message>
    <message>
        <source>Too many wrong PINs. Please wait one minute, then try again.</source>
        <translation>密码输错次数太多。请等一分钟后再试。</translation>
    </message>
    <message>
        <source>The disk of this computer is full. Nothing was lost. Delete some files you no longer need (or ask your school&apos;s computer teacher), then try again.</source>
        <translation>这台电脑的磁盘已满。已有的内容没有丢失。请删除一些不再需要的文件（或请学校的信息技术老师帮忙），然后再试一次。</translation>
    </message>
    <message>
        <source>This computer&apos;s Lamplight data was made by a newer version of Lamplight. Please install the newer version.</source>
        <translation>这台电脑上的灯火研修数据是由更新版本的灯火研修创建的。请安装新版本。</translation>
    </message>
    <message>
        <source>Cannot reach the county server. You can keep learning with what is already downloaded; Lamplight will try again later.</source>
        <translation>暂时连不上县里的服务器。您可以继续学习已下载的内容，灯火研修稍后会自动再试。</translation>
    </message>
    <message>
        <source>A downloaded file was damaged on the way and was thrown away. Press Download to fetch it again.</source>
        <translation>有一个下载的文件在传输中损坏，已被丢弃。请点击“下载”重新获取。</translation>
    </message>
    <message>
        <source>The county server sent an answer Lamplight cannot read. Nothing was changed. Please tell your training coordinator.</source>
        <translation>县服务器发来的内容无法识别，电脑上的内容没有改动。请告诉培训负责人。</translation>
    </message>
    <message>
        <source>The county server has a problem right now. Please try again later.</source>
        <translation>县里的服务器现在出了问题。请稍后再试。</translation>
    </message>
    <message>
        <source>This profile cannot be opened. Please choose your name again.</source>
        <translation>无法打开这个账户。请重新选择您的名字。</translation>
    </message>
    <message>
        <source>Lamplight could not use its data folder: %1</source>
        <translation>灯火研修无法使用数据文件夹：%1</translation>
    </message>
    <message>
        <source>%1 KB</source>
        <translation>%1 KB</translation>
    </message>
    <message>
        <source>%1 MB</source>
        <translation>%1 MB</translation>
    </message>
</context>
<context>
    <name>VideoPage</name>
    <message>
        <source>Back 10 s</source>
        <translation>后退 10 秒</translation>
    </message>
    <message>
        <source>This video is no longer on this computer. Please download the course again.</source>
        <translation>这段视频已经不在这台电脑上了。请重新下载这门课程。</translation>
    </message>
    <message>
        <source>This video cannot be played on this computer (%1).</source>
        <translation>这段视频无法在这台电脑上播放（%1）。</translation>
    </message>
    <message>
        <source>Pause</source>
        <translation>暂停</translation>
    </message>
    <message>
        <source>Play</source>
        <translation>播放</translation>
    </message>
    <message>
        <source>You have watched this video.</source>
        <translation>这段视频您已看完。</translation>
    </message>
    <message>
        <source>You have watched %1% of this video.</source>
        <translation>这段视频您已看了 %1%。</translation>
    </message>
</context>
<context>
    <name>ViewerHeader</name>
    <message>
        <source>Back to the course</source>
        <translation>返回课程</translation>
    </message>
</context>
</TS>
